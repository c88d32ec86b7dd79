package io.adversarialprune.job.sweep;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One row of the plan, the unit of work and of resume: a config (prune spec or transfer target) x
 * seed x data shard. This, plus a broadcast of the config, is all that travels to executors;
 * executors read the shard's images themselves.
 *
 * @param configId path-safe id of the config, e.g. {@code none}, {@code E_0.01}, {@code transfer-int8}
 * @param prune the prune spec's label ({@code none}, {@code E=0.01}, {@code E=0.01+R=0.001})
 * @param pruneType {@code none}, {@code E}, {@code S}, {@code R}, {@code composite} or {@code transfer}
 * @param pruneValue the value of a single-step spec, else null
 * @param order the config's position in the grid (for display)
 * @param targetName transfer target name, null for white-box rows
 * @param idFrom first id of the shard (inclusive)
 * @param idTo end of the shard (exclusive)
 */
public record Unit(
    String configId,
    String prune,
    String pruneType,
    Double pruneValue,
    int order,
    String targetName,
    long seed,
    int shard,
    long idFrom,
    long idTo)
    implements Serializable {

  public static final StructType SCHEMA =
      new StructType()
          .add("config_id", DataTypes.StringType, false)
          .add("prune", DataTypes.StringType, false)
          .add("prune_type", DataTypes.StringType, false)
          .add("prune_value", DataTypes.DoubleType, true)
          .add("config_order", DataTypes.IntegerType, false)
          .add("target", DataTypes.StringType, true)
          .add("seed", DataTypes.LongType, false)
          .add("shard", DataTypes.IntegerType, false)
          .add("id_from", DataTypes.LongType, false)
          .add("id_to", DataTypes.LongType, false);

  public Row toRow() {
    return RowFactory.create(
        configId, prune, pruneType, pruneValue, order, targetName, seed, shard, idFrom, idTo);
  }

  public static Unit fromRow(Row r) {
    return new Unit(
        r.getString(0),
        r.getString(1),
        r.getString(2),
        r.isNullAt(3) ? null : r.getDouble(3),
        r.getInt(4),
        r.isNullAt(5) ? null : r.getString(5),
        r.getLong(6),
        r.getInt(7),
        r.getLong(8),
        r.getLong(9));
  }

  public static List<Row> rows(List<Unit> units) {
    return units.stream().map(Unit::toRow).toList();
  }
}

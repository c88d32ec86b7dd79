package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** {@link RowRecords} without Spark: rows made by hand. */
class RowRecordsTest {
  private static final StructType SCHEMA =
      new StructType()
          .add("config_id", DataTypes.StringType)
          .add("relative_l2", DataTypes.DoubleType)
          .add("gradient_rms_error", DataTypes.DoubleType)
          .add("batch_size", DataTypes.IntegerType);

  record Sample(
      String configId,
      double relativeL2,
      @RowRecords.Column("gradient_rms_error") double rmsError,
      int batchSize) {}

  private static Row row(Object... values) {
    return new GenericRowWithSchema(values, SCHEMA);
  }

  @Test
  void componentsReadTheirSnakeCaseOrNamedColumns() {
    assertThat(RowRecords.reader(Sample.class).apply(row("E_0.05", 0.25, 1e-3, 16)))
        .isEqualTo(new Sample("E_0.05", 0.25, 1e-3, 16));
  }

  @Test
  void aNullForAPrimitiveIsRefused() {
    assertThatThrownBy(() -> RowRecords.reader(Sample.class).apply(row("x", 0.25, 1e-3, null)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

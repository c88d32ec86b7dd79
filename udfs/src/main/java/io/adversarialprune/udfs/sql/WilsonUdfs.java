package io.adversarialprune.udfs.sql;

import io.adversarialprune.udfs.metrics.Wilson;
import org.apache.spark.sql.api.java.UDF2;

/**
 * Spark SQL UDFs for the 95% Wilson score interval of {@code successes / trials}, for querying the
 * count columns of the results, e.g. {@code wilson_lower(attacked, correct)}. Register with {@code
 * spark.udf().register(WilsonUdfs.LOWER, new WilsonUdfs.Lower(), DataTypes.DoubleType)}.
 *
 * <p>A null argument gives null; {@code trials == 0} gives the interval [0, 1]; counts with {@code
 * successes > trials} or negative fail the query. The functions are stateless, serializable and
 * thread-safe.
 */
public final class WilsonUdfs {

  /** SQL name of {@link Lower}. */
  public static final String LOWER = "wilson_lower";

  /** SQL name of {@link Upper}. */
  public static final String UPPER = "wilson_upper";

  private WilsonUdfs() {}

  /** {@code wilson_lower(successes, trials)}: lower end of the 95% Wilson interval. */
  public static final class Lower implements UDF2<Long, Long, Double> {
    private static final long serialVersionUID = 1L;

    @Override
    public Double call(Long successes, Long trials) {
      if (successes == null || trials == null) {
        return null;
      }
      return Wilson.interval(successes, trials, Wilson.Z95)[0];
    }
  }

  /** {@code wilson_upper(successes, trials)}: upper end of the 95% Wilson interval. */
  public static final class Upper implements UDF2<Long, Long, Double> {
    private static final long serialVersionUID = 1L;

    @Override
    public Double call(Long successes, Long trials) {
      if (successes == null || trials == null) {
        return null;
      }
      return Wilson.interval(successes, trials, Wilson.Z95)[1];
    }
  }
}

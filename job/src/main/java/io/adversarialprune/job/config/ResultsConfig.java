package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * {@code sweep.results}: the Spark catalog and namespace that hold the results tables.
 *
 * @param catalog the catalog's Spark name ({@code results}: the embedded Hadoop catalog)
 * @param namespace the namespace of the tables inside it
 */
public record ResultsConfig(String catalog, String namespace) implements Serializable {
  /** A catalog or namespace name that Spark SQL takes unquoted. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public ResultsConfig {
    check(catalog, "sweep.results.catalog");
    check(namespace, "sweep.results.namespace");
  }

  static ResultsConfig from(Config c) {
    return new ResultsConfig(c.getString("catalog"), c.getString("namespace"));
  }

  /** Checks a catalog or namespace name given on the command line or in the config. */
  public static void check(String name, String key) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          key + " must be letters, digits and '_', not starting with a digit, got '" + name + "'");
    }
  }
}

package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import io.adversarialprune.udfs.config.ConfigProblems;
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

  /** Reads the block; a bad name goes to {@code problems}, the block's view, and gives null. */
  static ResultsConfig from(Config c, ConfigProblems problems) {
    String catalog = c.getString("catalog");
    String namespace = c.getString("namespace");
    // The constructor's order: a bad catalog is reported alone.
    if (!valid(catalog, "catalog", problems) || !valid(namespace, "namespace", problems)) {
      return null;
    }
    return new ResultsConfig(catalog, namespace);
  }

  /** Checks a catalog or namespace name given on the command line or in the config. */
  public static void check(String name, String key) {
    valid(
        name,
        key,
        (k, line) -> {
          throw new IllegalArgumentException(line.apply(k));
        });
  }

  private static boolean valid(String name, String key, ConfigProblems problems) {
    if (!NAME.matcher(name).matches()) {
      problems.add(
          key, "must be letters, digits and '_', not starting with a digit, got '" + name + "'");
      return false;
    }
    return true;
  }
}

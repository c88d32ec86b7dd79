package io.adversarialprune.job.cli;

import io.adversarialprune.job.UserInputException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.ExpressionWithUnresolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.RelationTimeTravel;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedGenerator;
import org.apache.spark.sql.catalyst.analysis.UnresolvedHaving;
import org.apache.spark.sql.catalyst.analysis.UnresolvedInlineTable;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedSubqueryColumnAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTVFAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.CallMethodViaReflection;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.PipeOperator;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.Distinct;
import org.apache.spark.sql.catalyst.plans.logical.Except;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.Generate;
import org.apache.spark.sql.catalyst.plans.logical.GlobalLimit;
import org.apache.spark.sql.catalyst.plans.logical.InsertIntoDir;
import org.apache.spark.sql.catalyst.plans.logical.Intersect;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LateralJoin;
import org.apache.spark.sql.catalyst.plans.logical.LimitAll;
import org.apache.spark.sql.catalyst.plans.logical.LocalLimit;
import org.apache.spark.sql.catalyst.plans.logical.LocalRelation;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Offset;
import org.apache.spark.sql.catalyst.plans.logical.OneRowRelation;
import org.apache.spark.sql.catalyst.plans.logical.ParsedStatement;
import org.apache.spark.sql.catalyst.plans.logical.Pivot;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Repartition;
import org.apache.spark.sql.catalyst.plans.logical.RepartitionByExpression;
import org.apache.spark.sql.catalyst.plans.logical.Sample;
import org.apache.spark.sql.catalyst.plans.logical.ScriptTransformation;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.Union;
import org.apache.spark.sql.catalyst.plans.logical.Unpivot;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedHint;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import org.apache.spark.sql.catalyst.plans.logical.View;
import org.apache.spark.sql.catalyst.plans.logical.WithWindowDefinition;
import org.apache.spark.sql.execution.datasources.DataSource$;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.execution.datasources.v2.FileTable;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Decides whether a SQL statement only reads, before anything of it runs: {@code query} is
 * read-only by construction, whatever SQL it is given.
 *
 * <p>Two checks, either refusing with a {@link UserInputException} that names what it refused:
 *
 * <ol>
 *   <li>On the <em>parsed</em> plan, before Spark sees the statement again: every node, those in
 *       CTE definitions and in subquery expressions included, must be one of the operators a {@code
 *       SELECT}, {@code WITH ... SELECT}, {@code VALUES} or pipe ({@code |>}) query parses to
 *       ({@link #QUERY_NODES}), an allow-list rather than a deny-list: a command ({@code SET},
 *       {@code CACHE}, {@code ADD JAR}, DDL, {@code EXPLAIN}, {@code SHOW}, ...), a write ({@code
 *       INSERT}, {@code INSERT OVERWRITE DIRECTORY}, {@code MERGE}, ...), {@code EXECUTE
 *       IMMEDIATE}, a SQL script, {@code TRANSFORM ... USING} (which runs a program) and {@code
 *       IDENTIFIER(...)} (whose name is only known later) are all refused, and so is anything a
 *       later Spark parses to that this list does not know. Refused there as well: the functions
 *       that call Java methods ({@code reflect}, {@code java_method}, {@code try_reflect}), a
 *       table-valued function other than the built-in generators of {@link #TABLE_FUNCTIONS}, a
 *       relation with options ({@code t WITH ('k' = 'v')}) and the file-path sources ({@code
 *       text.`/etc/hostname`}, {@code parquet.`/x`}, any {@code format.`path`}): a two-part name
 *       whose first part names a data source and that is no table or view of the catalog.
 *   <li>Only then is the statement analyzed ({@code spark.sql}, lazy for a query: nothing is
 *       computed until the caller collects), and the <em>analyzed</em> plan checked again: no
 *       command, no call of a Java method, and no relation read straight from files ({@link
 *       LogicalRelation} without a catalog table, {@link DataSourceV2Relation} over a {@link
 *       FileTable}) outside a view. Relations inside a {@link View} are allowed, as the query
 *       cannot create views: the results tables' temporary views over their files stay queryable,
 *       as do catalog tables (Iceberg's included, through {@link DataSourceV2Relation}).
 * </ol>
 *
 * <p>{@code EXPLAIN}, {@code DESCRIBE} and {@code SHOW} are commands, so are refused as well.
 */
final class ReadOnlyQuery {
  /** The parsed operators a read-only query may hold. */
  static final Set<Class<?>> QUERY_NODES =
      Set.of(
          Project.class,
          Filter.class,
          Aggregate.class,
          Join.class,
          LateralJoin.class,
          SubqueryAlias.class,
          Sort.class,
          GlobalLimit.class,
          LocalLimit.class,
          LimitAll.class,
          Offset.class,
          Distinct.class,
          Union.class,
          Intersect.class,
          Except.class,
          LocalRelation.class,
          OneRowRelation.class,
          Generate.class,
          Pivot.class,
          Unpivot.class,
          Sample.class,
          Repartition.class,
          RepartitionByExpression.class,
          WithWindowDefinition.class,
          UnresolvedWith.class,
          UnresolvedHint.class,
          UnresolvedHaving.class,
          UnresolvedRelation.class,
          RelationTimeTravel.class,
          UnresolvedInlineTable.class,
          UnresolvedSubqueryColumnAliases.class,
          UnresolvedTableValuedFunction.class,
          UnresolvedTVFAliases.class,
          PipeOperator.class);

  /**
   * The table-valued functions a query may call: Spark's built-in generators, which read nothing
   * (not {@code python_worker_logs}, nor a function of a catalog).
   */
  static final Set<String> TABLE_FUNCTIONS =
      new TreeSet<>(
          List.of(
              "range",
              "explode",
              "explode_outer",
              "inline",
              "inline_outer",
              "posexplode",
              "posexplode_outer",
              "json_tuple",
              "stack",
              "variant_explode",
              "variant_explode_outer",
              "sql_keywords",
              "collations"));

  /** The functions that call Java methods by name. */
  static final Set<String> REFLECTION = Set.of("reflect", "java_method", "try_reflect");

  private static final String REFUSED = "query is read-only: refused ";

  private ReadOnlyQuery() {}

  /**
   * Parses and analyzes {@code sql} in {@code spark} without executing it.
   *
   * @return the analyzed query, ready to collect
   * @throws UserInputException naming what was refused, when the statement is not a read-only query
   *     over the session's tables and views
   * @throws AnalysisException as Spark's parser and analyzer throw it (bad syntax, an unknown table
   *     or column; {@code ParseException} is one). Declared, as the parser declares it; the
   *     analyzer's ({@code spark.sql}) comes undeclared, as in Java it always does
   */
  static Dataset<Row> analyze(SparkSession spark, String sql) throws AnalysisException {
    checkParsed(spark, spark.sessionState().sqlParser().parsePlan(sql));
    // Nothing in the statement is a command, so this only analyzes it.
    Dataset<Row> df = spark.sql(sql);
    checkAnalyzed(df.queryExecution().analyzed());
    return df;
  }

  /** The checks on the parsed plan: see the class comment. */
  static void checkParsed(SparkSession spark, LogicalPlan parsed) {
    walk(
        parsed,
        p -> {
          if (!QUERY_NODES.contains(p.getClass())) {
            throw refused(describe(p) + "; only queries run (SELECT, WITH, VALUES, TABLE)");
          }
          if (p instanceof UnresolvedRelation r) {
            checkRelation(spark, r);
          } else if (p instanceof UnresolvedTableValuedFunction f) {
            String name = last(f.name());
            if (!TABLE_FUNCTIONS.contains(name.toLowerCase(Locale.ROOT))) {
              throw refused(
                  "the table-valued function "
                      + name
                      + "(); those allowed are "
                      + String.join(", ", TABLE_FUNCTIONS));
            }
          }
        },
        e -> {
          String function = null;
          if (e instanceof UnresolvedFunction f) {
            function = last(f.nameParts());
          } else if (e instanceof UnresolvedGenerator g) {
            function = g.name().funcName();
          }
          if (function != null && REFLECTION.contains(function.toLowerCase(Locale.ROOT))) {
            throw refused(function + "(), which calls Java methods");
          }
          checkResolvedExpression(e);
        },
        false);
  }

  /** The checks on the analyzed plan: see the class comment. */
  static void checkAnalyzed(LogicalPlan analyzed) {
    walk(
        analyzed,
        p -> {
          if (p instanceof Command
              || p instanceof ParsedStatement
              || p instanceof InsertIntoDir
              || p instanceof ScriptTransformation) {
            throw refused(describe(p));
          }
          if (p instanceof LogicalRelation r && r.catalogTable().isEmpty()) {
            throw refused("reading files directly: " + describe(r));
          }
          if (p instanceof DataSourceV2Relation r && r.table() instanceof FileTable t) {
            throw refused("reading files directly: " + t.name());
          }
        },
        ReadOnlyQuery::checkResolvedExpression,
        true);
  }

  private static void checkResolvedExpression(Expression e) {
    if (e instanceof CallMethodViaReflection c) {
      throw refused(c.prettyName() + "(), which calls Java methods");
    }
    if (e instanceof ExpressionWithUnresolvedIdentifier) {
      throw refused("IDENTIFIER(...) as a function name (ExpressionWithUnresolvedIdentifier)");
    }
  }

  /**
   * A relation of the parsed plan: refused with options, or when Spark would read it as files
   * ({@code ResolveSQLOnFile}: two parts, the first a data source, and no such table or view).
   */
  private static void checkRelation(SparkSession spark, UnresolvedRelation r) {
    List<String> parts = CollectionConverters.asJava(r.multipartIdentifier());
    if (!r.options().isEmpty()) {
      throw refused("options on the relation " + quoted(parts) + " (WITH (...))");
    }
    if (parts.size() == 2
        && isDataSource(spark, parts.get(0))
        && !spark.catalog().tableExists(quoted(parts))) {
      throw refused(
          "reading files directly: "
              + quoted(parts)
              + " (a "
              + parts.get(0)
              + " path, not a table or view)");
    }
  }

  private static boolean isDataSource(SparkSession spark, String name) {
    try {
      DataSource$.MODULE$.lookupDataSource(name, spark.sessionState().conf());
      return true;
    } catch (Exception | LinkageError e) {
      // Not found (or not loadable): Spark would not read it as files either.
      return false;
    }
  }

  /**
   * Visits {@code root} and every plan under it, root first: children, inner children (CTE
   * definitions), plans held in fields (time travel) and the plans of subquery expressions; below a
   * {@link View} only when {@code intoViews}, and then without {@code plans} (the view's contents
   * are the view's own: only {@code expressions} are checked there).
   */
  private static void walk(
      LogicalPlan root,
      Consumer<LogicalPlan> plans,
      Consumer<Expression> expressions,
      boolean intoViews) {
    record Node(LogicalPlan plan, boolean inView) {}
    Set<LogicalPlan> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Node> todo = new ArrayDeque<>();
    todo.push(new Node(root, false));
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      LogicalPlan p = n.plan();
      if (!seen.add(p)) {
        continue;
      }
      boolean inView = n.inView() || p instanceof View;
      if (inView && !intoViews) {
        continue;
      }
      if (!inView) {
        plans.accept(p);
      }
      Deque<LogicalPlan> under = new ArrayDeque<>();
      for (Expression e : CollectionConverters.asJava(p.expressions())) {
        visitExpression(e, expressions, under);
      }
      under.addAll(CollectionConverters.asJava(p.children()));
      for (Object c : CollectionConverters.asJava(p.innerChildren())) {
        plansIn(c, under, 2);
      }
      CollectionConverters.asJava(p.productIterator()).forEachRemaining(f -> plansIn(f, under, 2));
      // Pushed in reverse, so that they are visited in order.
      under.descendingIterator().forEachRemaining(c -> todo.push(new Node(c, inView)));
    }
  }

  private static void visitExpression(
      Expression e, Consumer<Expression> check, Deque<LogicalPlan> plans) {
    check.accept(e);
    if (e instanceof SubqueryExpression s) {
      plans.add(s.plan());
    }
    for (Expression c : CollectionConverters.asJava(e.children())) {
      visitExpression(c, check, plans);
    }
  }

  /** Adds the plans {@code o} is or holds (in an option, a collection or a pair). */
  private static void plansIn(Object o, Deque<LogicalPlan> out, int depth) {
    if (o instanceof LogicalPlan p) {
      out.add(p);
    } else if (depth > 0 && o instanceof scala.Option<?> opt && opt.isDefined()) {
      plansIn(opt.get(), out, depth - 1);
    } else if (depth > 0 && o instanceof scala.collection.Iterable<?> it) {
      CollectionConverters.asJava(it).forEach(x -> plansIn(x, out, depth - 1));
    } else if (depth > 0 && o instanceof scala.Tuple2<?, ?> t) {
      plansIn(t._1(), out, depth - 1);
      plansIn(t._2(), out, depth - 1);
    }
  }

  /**
   * What a refused node is, in the words of its SQL where that is clear, and its class: {@code
   * INSERT OVERWRITE DIRECTORY (InsertIntoDir)}, {@code ADD JARS (AddJarsCommand)}.
   */
  static String describe(LogicalPlan p) {
    String name = p.getClass().getSimpleName().replace("$", "");
    if (p instanceof LogicalRelation r) {
      return r.relation() instanceof HadoopFsRelation h
          ? h.fileFormat() + " files at " + h.location().rootPaths().mkString(", ")
          : r.relation().toString();
    }
    String what =
        switch (name) {
          case "InsertIntoDir" -> "INSERT OVERWRITE DIRECTORY";
          case "InsertIntoStatement" -> "INSERT";
          case "ScriptTransformation" -> "TRANSFORM ... USING 'program'";
          case "CompoundBody", "SingleStatement" -> "a SQL script (BEGIN ... END)";
          case "PlanWithUnresolvedIdentifier" -> "IDENTIFIER(...) as a table name";
          case "ExplainCommand" -> "EXPLAIN";
          case "CreateVariable" -> "DECLARE VARIABLE";
          case "SetCatalogAndNamespace" -> "USE";
          default -> words(name);
        };
    return what + " (" + name + ")";
  }

  /** {@code AddJarsCommand}: {@code ADD JARS}; {@code UnresolvedExecuteImmediate}: ... */
  private static String words(String className) {
    String n = className.replaceFirst("^Unresolved", "").replaceFirst("(Command|Statement)$", "");
    return n.replaceAll("([a-z0-9])([A-Z])", "$1 $2").toUpperCase(Locale.ROOT);
  }

  private static String quoted(List<String> parts) {
    StringBuilder sb = new StringBuilder();
    for (String part : parts) {
      sb.append(sb.length() == 0 ? "" : ".").append('`').append(part.replace("`", "``"));
      sb.append('`');
    }
    return sb.toString();
  }

  private static String last(scala.collection.Seq<String> parts) {
    return parts.last();
  }

  private static UserInputException refused(String what) {
    return new UserInputException(REFUSED + what);
  }
}

#!/usr/bin/env python3
"""Writes the notebooks with their outputs, running every query through `adversarial-prune query`.

Jupyter is not needed: each code cell's output is the `query` command's table for the same SQL
file the cell loads. Usage (from the repository root, after `mvn -B -q -DskipTests package`):

    python3 notebooks/build_notebooks.py RESULTS_ROOT SWEEP
"""
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
LAUNCHER = HERE.parent / "deploy" / "local" / "adversarial-prune"

SETUP = '''import glob
from pathlib import Path
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

# The results are Apache Iceberg tables in a Spark catalog. The Iceberg runtime is inside the
# application jar (`mvn -B -q -DskipTests package`); spark.jars.packages
# org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.12.0 brings it as well.
builder = SparkSession.builder.appName("adversarial-prune notebook")
for jar in glob.glob("../job/target/adversarial-prune-job-*-app.jar")[:1]:
    builder = builder.config("spark.jars", jar)
if CATALOG == "results":
    # The embedded catalog: the Iceberg Hadoop catalog whose warehouse is the results root. A
    # shared catalog (Hive, REST, Glue, JDBC) is configured as docs/RESULTS.md shows instead.
    warehouse = RESULTS if "://" in RESULTS else str(Path(RESULTS).resolve())
    builder = (builder
        .config("spark.sql.catalog.results", "org.apache.iceberg.spark.SparkCatalog")
        .config("spark.sql.catalog.results.type", "hadoop")
        .config("spark.sql.catalog.results.warehouse", warehouse))
spark = builder.getOrCreate()
# The tables by their plain names (samples, metrics, prune_stats, runs, engine_checks, layers),
# as the query command sees them. A run writes `layers` rows only with sweep.anatomy = on.
spark.sql(f"USE {CATALOG}.{NAMESPACE}")
# The queries read the sweep as '${ap.sweep}' (Spark SQL variable substitution).
spark.conf.set("ap.sweep", SWEEP)

def query(name):
    """Runs notebooks/sql/NAME, the file the JUnit test NotebookQueriesTest also runs."""
    return spark.sql(Path("sql", name).read_text())

RATES = ("clean_acc", "remnant_acc", "pred_change_rate", "strict_asr", "baseline_adv_acc")

def show(df, n=1000):
    """Shows df (up to n rows; Spark says when there are more), an undefined rate as n/a: the
    tables store it as null (nothing to divide by, e.g. strict_asr of a config that classifies no
    image correctly)."""
    df.select([F.coalesce(F.col(c).cast("string"), F.lit("n/a")).alias(c)
               if c.startswith(RATES) else F.col(c) for c in df.columns]).show(n, truncate=False)'''

NOTEBOOKS = {
    "study.ipynb": (
        "# The study's questions, answered from a results root\n\n"
        "Each query lives in `sql/` (tested by `NotebookQueriesTest` against a real sweep). "
        "Set the results root and sweep in the first cell. The outputs below come from a tiny "
        "two-seed sweep of the embedded default model (40 images; PGD with 2 steps, FGSM and "
        "FAB-T with 10 steps and 3 targets, and the worst case over them): numbers to "
        "read the shape of the answer, not to quote.",
        [
            ("01_summary_table.sql", "## The study's table\n\n`pred_change_rate` = changed / total; "
             "`strict_asr` = attacked (clean correct, adversarial wrong) / clean correct. The "
             "study's README had these two labels swapped. A rate with nothing to divide by "
             "(`strict_asr` when no image is classified correctly) is null in the tables, shown "
             "n/a."),
            ("02_rates_vs_prune_value.sql", "## Clean / remnant accuracy and strict ASR vs prune "
             "value, per type, with 95% intervals"),
            ("03_accuracy_vs_prune_ratio.sql", "## Accuracy vs prune ratio across types"),
            ("04_classes_lost_under_attack.sql", "## Which classes lose most under attack "
             "(baseline)"),
            ("05_parameters_changed_most.sql", "## Which parameters pruning changed most"),
            ("06_spread_across_seeds.sql", "## Spread across seeds"),
            ("08_attacks_vs_worst_case.sql", "## Each attack vs the worst case over all attacks\n\n"
             "A sample counts as robust only if it survives every attack of the run (AutoAttack's "
             "robust accuracy); a single attack that leaves much more is too weak to judge by."),
            ("09_gradient_masking.sql", "## Gradient masking: every check, with its evidence"
             "\n\n`transfer`: each pruned model judged on the unpruned model's adversarial images "
             "of the same samples and attack; far more robust to its own attack than to those "
             "images: likely masked gradients, not robustness. `gradient-free`: Square, which "
             "uses no gradient, leaves fewer samples standing than the best gradient attack. "
             "`flagged`: the two 95% intervals lie apart."),
            ("10_layer_anatomy.sql", "## Layer anatomy: where the attack acts\n\n"
             "With `sweep.anatomy = on`: per probed layer, input to logits, how much the final "
             "adversarial images change its activations (relative L2), beside the unpruned "
             "model's. The study saw the change concentrate at the input and the last block."),
            ("11_robustness_curve.sql", "## Robustness curve: robust accuracy against eps\n\n"
             "For attacks that record each sample's smallest adversarial distance (`fab-t`, "
             "`autoattack`): per config, the fraction of samples classified correctly whose "
             "smallest adversarial perturbation found is larger than eps, at every eps from one "
             "run; an upper bound at each eps (docs/ATTACKS.md, \"FAB-T\")."),
        ],
    ),
    "nightly.ipynb": (
        "# The latest nightly run vs the previous one\n\n"
        "Per config, the change in clean accuracy and strict ASR between the two latest "
        "successful runs of the sweep. A change is flagged when each run's value lies outside the "
        "other run's 95% Wilson interval (the `report` command's rule).",
        [("07_latest_vs_previous_run.sql", "## Latest vs previous run")],
    ),
}


def run_query(results, sweep, sql_file):
    sql = (HERE / "sql" / sql_file).read_text().replace("${ap.sweep}", sweep)
    out = subprocess.run(
        # "--": the SQL starts with a comment, which would otherwise read as an option
        [str(LAUNCHER), "query", "--results", results, "--limit", "1000", "--", sql],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, SPARK_MASTER="local[2]"))
    return out.stdout


def code(source, outputs=None, count=None):
    return {"cell_type": "code", "execution_count": count, "metadata": {},
            "outputs": outputs or [], "source": source.splitlines(keepends=True)}


def markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def main(results, sweep):
    for name, (intro, queries) in NOTEBOOKS.items():
        cells = [
            code('# Parameters: the results root (local path, hdfs://, s3a://...), the sweep, and\n'
                 '# the catalog and namespace of the tables ("results": the one in RESULTS).\n'
                 'RESULTS = "results"\nSWEEP = "%s"\nCATALOG = "results"\n'
                 'NAMESPACE = "adversarial_prune"' % sweep, count=1),
            markdown(intro),
            code(SETUP, count=2),
        ]
        for i, (sql_file, heading) in enumerate(queries):
            table = run_query(results, sweep, sql_file)
            cells.append(markdown(heading))
            cells.append(code('show(query("%s"))' % sql_file,
                              [{"name": "stdout", "output_type": "stream",
                                "text": table.splitlines(keepends=True)}], count=3 + i))
        nb = {"cells": cells, "metadata": {
                  "kernelspec": {"display_name": "PySpark", "language": "python",
                                 "name": "python3"},
                  "language_info": {"name": "python"}},
              "nbformat": 4, "nbformat_minor": 5}
        (HERE / name).write_text(json.dumps(nb, indent=1) + "\n")
        print("wrote", HERE / name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

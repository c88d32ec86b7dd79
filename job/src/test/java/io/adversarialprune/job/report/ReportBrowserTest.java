package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.adversarialprune.job.report.ConfigMetrics.Interval;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report opened in a real headless Chromium: no console messages, every chart in the DOM with
 * drawn content, and a screenshot under {@code target/report-browser/} for a human to look at.
 * Chromium is required (CI installs Debian's {@code chromium}); without it this test fails.
 * Synthetic metrics, so no Spark: the page and charts are the real renderer's.
 */
class ReportBrowserTest {
  private static final List<String> FLAGS =
      List.of(
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
          // containers often have a 64 MB /dev/shm
          "--disable-dev-shm-usage",
          // nothing may be fetched: any URL the page asks for resolves nowhere
          "--host-resolver-rules=MAP * ~NOTFOUND");
  private static final Pattern FIGURE =
      Pattern.compile(
          "<figure class=\"chart\" id=\"([^\"]+)\"[^>]*>(.*?)</figure>", Pattern.DOTALL);
  private static final Pattern PATH = Pattern.compile("<path [^>]*d=\"M[^\"]+\"");

  @TempDir Path tmp;

  @Test
  void reportRendersInHeadlessChromiumWithoutConsoleErrors() throws Exception {
    String chromium = chromium();
    ReportData data = syntheticData();
    Path page = tmp.resolve("report.html");
    Files.writeString(
        page, HtmlReport.render(data, Charts.forRun(data.run().metrics()), List.of()));

    Run dom =
        chromium(
            chromium, "--enable-logging=stderr", "--v=0", "--dump-dom", page.toUri().toString());
    List<String> console = dom.stderr.lines().filter(l -> l.contains(":CONSOLE")).toList();
    assertThat(console).as("browser console messages (the page has no scripts)").isEmpty();
    assertThat(dom.stdout).as("DOM after load").contains("id=\"summary\"", "id=\"compare\"");

    Matcher m = FIGURE.matcher(dom.stdout);
    List<String> charts = new ArrayList<>();
    while (m.find()) {
      charts.add(m.group(1));
      assertThat(m.group(2)).as(m.group(1)).contains("<svg", "</svg>", "<figcaption>");
      assertThat(PATH.matcher(m.group(2)).results().count())
          .as(m.group(1) + " paths")
          .isGreaterThan(10);
    }
    assertThat(charts)
        .containsExactly(
            "chart-rates-E",
            "chart-ratio-E",
            "chart-norms-E",
            "chart-rates-S",
            "chart-ratio-S",
            "chart-norms-S",
            "chart-rates-R",
            "chart-ratio-R",
            "chart-norms-R",
            "chart-acc-vs-ratio");
    assertThat(dom.stdout).doesNotContainPattern("(src|href)=\"(https?:)?//");
    // E=0.05 lost half its clean accuracy between the runs: clean_acc, pred_change_rate and
    // strict_asr move outside both runs' intervals; remnant_acc (same 20 images) does not
    assertThat(dom.stdout).contains("3 changes flagged");

    Path shots = Path.of("target", "report-browser");
    Files.createDirectories(shots);
    Path png = shots.resolve("report.png").toAbsolutePath();
    Files.deleteIfExists(png);
    chromium(chromium, "--window-size=1400,2600", "--screenshot=" + png, page.toUri().toString());
    assertThat(png).exists();
    assertThat(Files.size(png)).isGreaterThan(10_000);
  }

  private static String chromium() {
    String configured = System.getenv("CHROMIUM");
    for (String c : new String[] {configured, "/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
      if (c != null && new File(c).canExecute()) {
        return c;
      }
    }
    return fail(
        "headless Chromium not found (looked at $CHROMIUM, /usr/bin/chromium,"
            + " /usr/bin/chromium-browser); install it: apt-get install -y chromium"
            + " chromium-driver");
  }

  private record Run(String stdout, String stderr) {}

  private Run chromium(String binary, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(binary));
    cmd.addAll(FLAGS);
    cmd.add("--user-data-dir=" + Files.createTempDirectory(tmp, "profile-"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "out-", ".txt");
    Path err = Files.createTempFile(tmp, "err-", ".txt");
    Process p =
        new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("chromium did not finish in 60 s: " + cmd);
    }
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("chromium exit status; stderr:\n" + stderr).isZero();
    return new Run(Files.readString(out, StandardCharsets.UTF_8), stderr);
  }

  /** Two runs of baseline + E (two decades), S and R; one config's clean_acc moves. */
  static ReportData syntheticData() {
    List<ConfigMetrics> before = new ArrayList<>();
    List<ConfigMetrics> after = new ArrayList<>();
    Object[][] grid = {
      {"none", "none", null, 0.0}, {"E=0.001", "E", 0.001, 0.03}, {"E=0.01", "E", 0.01, 0.26},
      {"E=0.05", "E", 0.05, 0.83}, {"S=5", "S", 5.0, 0.0002}, {"S=3", "S", 3.0, 0.007},
      {"R=0.001", "R", 0.001, 1.0}, {"R=0.01", "R", 0.01, 1.0}
    };
    for (int i = 0; i < grid.length; i++) {
      double acc = 0.90;
      before.add(metrics(i, grid[i], acc));
      after.add(metrics(i, grid[i], "E=0.05".equals(grid[i][0]) ? 0.40 : acc));
    }
    ReportData.Run r2 =
        new ReportData.Run(
            "r2",
            "SUCCEEDED",
            "2026-01-02 01:00:00",
            "2026-01-02 02:00:00",
            "cpu()",
            after,
            16,
            16,
            List.of(
                new EngineCheckLine(
                    "driver",
                    "cpu()",
                    "AMD EPYC [avx2 avx512f]",
                    "AVX2",
                    "channels-last",
                    100,
                    2,
                    1.3e-3,
                    6.6e-4,
                    0.16,
                    2.2e-7,
                    true,
                    null,
                    "fail")));
    ReportData.Run r1 =
        new ReportData.Run(
            "r1",
            "SUCCEEDED",
            "2026-01-01 01:00:00",
            "2026-01-01 02:00:00",
            "cpu()",
            before,
            16,
            16,
            List.of());
    RunComparison comparison =
        RunComparison.of(
            "nightly",
            new RunComparison.Side("r1", "previous SUCCEEDED run", "h"),
            before,
            new RunComparison.Side("r2", "reported run", "h"),
            after,
            RunComparison.DEFAULT_ALPHA);
    return new ReportData(
        "/results", "nightly", r2, r1, comparison, List.of(), List.of(), List.of());
  }

  private static ConfigMetrics metrics(int order, Object[] g, double acc) {
    long total = 1000;
    long correct = Math.round(acc * total);
    long adv = 20;
    long attacked = correct - adv;
    long changed = attacked + 5;
    boolean baseline = "none".equals(g[0]);
    return new ConfigMetrics(
        "c" + order,
        order,
        (String) g[0],
        (String) g[1],
        (Double) g[2],
        null,
        "pgd-linf",
        "pgd-linf",
        "pgd-linf eps=0.03 alpha=0.003 steps=10",
        0,
        2,
        total,
        correct,
        adv,
        changed,
        attacked,
        wilson(correct, total),
        wilson(adv, total),
        wilson(changed, total),
        wilson(attacked, correct),
        baseline ? null : wilson(adv + 2, total),
        baseline ? null : false,
        (Double) g[3],
        0.031,
        0.6);
  }

  private static Interval wilson(long k, long n) {
    double p = (double) k / n;
    double z = 1.96;
    double d = 1 + z * z / n;
    double c = (p + z * z / (2 * n)) / d;
    double h = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
    return new Interval(p, c - h, c + h);
  }
}

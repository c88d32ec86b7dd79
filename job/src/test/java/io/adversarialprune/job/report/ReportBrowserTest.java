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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    // R's prune ratio is always 1 and every config's norms are the same: no chart of them
    assertThat(charts)
        .containsExactly(
            "chart-rates-E",
            "chart-ratio-E",
            "chart-rates-S",
            "chart-ratio-S",
            "chart-rates-R",
            "chart-acc-vs-ratio");
    assertThat(dom.stdout).doesNotContainPattern("(src|href)=\"(https?:)?//");
    // E=0.05 lost half its clean accuracy between the runs: clean_acc, pred_change_rate and
    // strict_asr move outside both runs' intervals; remnant_acc (same 20 images) does not
    assertThat(dom.stdout).contains("3 changes flagged");
    // every config keeps 20 of 1000: a tie, not a winner
    assertThat(dom.stdout).contains("8 configs tie as most robust under pgd-linf at remnant");

    Layout layout = layout(chromium, page);
    layout.assertReadable();
    screenshot(chromium, page, "report.png");
  }

  @Test
  void cascadeAndClampRunGivesItsVerdictFirstInHeadlessChromium() throws Exception {
    String chromium = chromium();
    ReportData data = cascadeData();
    List<ConfigMetrics> metrics = data.run().metrics();
    Path page = tmp.resolve("cascade.html");
    Files.writeString(
        page,
        HtmlReport.render(
            data, Charts.forRun(metrics), List.of(), Charts.forCurves(data.curves(), metrics)));

    Layout layout = layout(chromium, page);
    layout.assertReadable();
    // E and A have one value each: no line; S (3, 2) is charted per attack
    assertThat(layout.figures().keySet())
        .contains("chart-acc-S", "chart-asr-S", "chart-curve-autoattack")
        .noneMatch(id -> id.endsWith("-E") || id.endsWith("-A"));
    // autoattack's distances are not minimised: its curves are labelled as upper bounds
    assertThat(layout.dom())
        .contains("id=\"chart-curve-autoattack\"")
        .containsPattern("id=\"chart-curve-autoattack\"[^>]*data-bound=\"upper\"")
        .contains("<figcaption>Upper bound on robust accuracy vs eps under autoattack");
    // one colour per series: baseline, E, S=3, S=2 and A=3, none repeated
    assertThat(layout.figures().get("chart-curve-autoattack").colors()).hasSize(5);
    // the verdict: S=2 keeps most under the worst case, A=3's exact-gradient PGD is flagged by
    // its straight-through twin, and who broke what
    assertThat(layout.dom())
        .contains("Most robust under the worst case over 4 attacks (per sample): <strong>prune S=2")
        .contains("<td class=\"l flag\">FLAGGED pgd 30.0% vs pgd-st 3.3%</td>")
        .containsPattern("<td class=\"wc best\"[^>]*>10.00%</td>")
        .contains("<th>autoattack<br><small>apgd-t</small></th>", "\u2264 0.0299");
    screenshot(chromium, page, "cascade.png");
  }

  /** One figure as the browser has it: its data attributes and the width it was laid out at. */
  private record Figure(String id, int points, List<String> colors, List<String> ticks) {}

  /**
   * What the report looks like at 1400 px: the DOM after a measuring script (added to a copy of the
   * page; the report has none) wrote the layout into attributes of {@code <body>}.
   */
  private record Layout(String dom, Map<String, Figure> figures, Map<String, String> measured) {
    void assertReadable() {
      assertThat(measured.get("inner-width")).as("viewport width").isEqualTo("1400");
      assertThat(Integer.parseInt(measured.get("scroll-width")))
          .as("document.documentElement.scrollWidth at 1400 px: no horizontal overflow")
          .isLessThanOrEqualTo(Integer.parseInt(measured.get("client-width")));
      assertThat(measured.get("overflowing-tables")).as("tables wider than the page").isEmpty();
      assertThat(measured.get("wrapped")).as("Model/Attack cells broken over lines").isEmpty();
      assertThat(dom.indexOf("id=\"verdict\""))
          .as("the verdict block comes before any chart")
          .isPositive()
          .isLessThan(dom.indexOf("<figure"));
      assertThat(dom).contains("id=\"verdict-pivot\"", "id=\"verdict-masking\"");
      int content = Integer.parseInt(measured.get("charts-width"));
      List<Integer> widths =
          Pattern.compile(" ")
              .splitAsStream(measured.get("chart-widths"))
              .map(Integer::parseInt)
              .toList();
      assertThat(widths).isNotEmpty();
      // two charts a row fill the page: each takes half of it, less the gap
      assertThat(widths)
          .as("chart widths in a %d px row", content)
          .allMatch(w -> w >= (content - 12) / 2 - 4);
      assertThat(figures).isNotEmpty();
      for (Figure f : figures.values()) {
        assertThat(f.points()).as(f.id() + ": distinct x values").isGreaterThan(1);
        assertThat(f.colors()).as(f.id() + ": legend colours").isNotEmpty().doesNotHaveDuplicates();
        if (!f.id().startsWith("chart-layers-")) {
          assertThat(f.ticks()).as(f.id() + ": tick labels").isNotEmpty();
        }
        for (String t : f.ticks()) {
          // rounded: at most three significant digits, and a leading 0 before the point
          assertThat(t).as(f.id() + " tick").matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");
          assertThat(t.replaceAll("[-.]", "").replaceFirst("^0+", ""))
              .as(f.id() + " tick " + t)
              .hasSizeLessThanOrEqualTo(3);
        }
      }
    }
  }

  private static final String MEASURE =
      "<script>(function(){var b=document.body,d=document.documentElement;"
          + "b.setAttribute('data-inner-width',window.innerWidth);"
          + "b.setAttribute('data-client-width',d.clientWidth);"
          + "b.setAttribute('data-scroll-width',d.scrollWidth);"
          + "var wide=[];document.querySelectorAll('table').forEach(function(t){"
          + "var r=t.getBoundingClientRect().right;"
          + "if(r>d.clientWidth)wide.push(t.id+' to '+Math.round(r)+' px');});"
          + "b.setAttribute('data-overflowing-tables',wide.join(' '));"
          + "var wrapped=[];document.querySelectorAll('#verdict td:first-child,"
          + "#summary td.l,#compare td:first-child,#layers td.l').forEach(function(td){"
          + "var r=document.createRange();r.selectNodeContents(td);var tops={};"
          + "Array.prototype.forEach.call(r.getClientRects(),function(x){"
          + "tops[Math.round(x.top)]=1;});"
          + "if(Object.keys(tops).length>1)wrapped.push(td.textContent);});"
          + "b.setAttribute('data-wrapped',wrapped.join('|'));"
          + "var w=[];document.querySelectorAll('figure.chart svg').forEach(function(s){"
          + "w.push(Math.round(s.getBoundingClientRect().width));});"
          + "b.setAttribute('data-chart-widths',w.join(' '));"
          + "var c=document.querySelector('.charts');"
          + "b.setAttribute('data-charts-width',c?Math.round(c.getBoundingClientRect().width):0);"
          + "})();</script>";

  private static final Pattern BODY_DATA = Pattern.compile(" data-([a-z-]+)=\"([^\"]*)\"");
  private static final Pattern FIGURE_DATA =
      Pattern.compile(
          "<figure class=\"chart\" id=\"([^\"]+)\" data-x-scale=\"[a-z]+\" data-points=\"(\\d+)\""
              + " data-colors=\"([^\"]*)\" data-ticks=\"([^\"]*)\"");

  private Layout layout(String chromium, Path page) throws Exception {
    String html = Files.readString(page);
    Path measured = tmp.resolve("measured-" + page.getFileName());
    Files.writeString(measured, html.replace("</body>", MEASURE + "</body>"));
    Run run =
        chromium(
            chromium,
            "--window-size=1400,1000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            measured.toUri().toString());
    assertThat(run.stderr.lines().filter(l -> l.contains(":CONSOLE")).toList())
        .as("console messages of the measuring script")
        .isEmpty();
    String body = run.stdout.substring(run.stdout.indexOf("<body"));
    body = body.substring(0, body.indexOf('>'));
    Map<String, String> attrs = new LinkedHashMap<>();
    Matcher a = BODY_DATA.matcher(body);
    while (a.find()) {
      attrs.put(a.group(1), a.group(2));
    }
    assertThat(attrs).as("the measuring script ran").containsKeys("scroll-width", "wrapped");
    Map<String, Figure> figures = new LinkedHashMap<>();
    Matcher f = FIGURE_DATA.matcher(run.stdout);
    while (f.find()) {
      figures.put(
          f.group(1),
          new Figure(
              f.group(1), Integer.parseInt(f.group(2)), split(f.group(3)), split(f.group(4))));
    }
    assertThat(figures.size()).isEqualTo(count(run.stdout, "<figure class=\"chart\""));
    return new Layout(run.stdout, figures, attrs);
  }

  private static List<String> split(String s) {
    return s.isEmpty() ? List.of() : List.of(s.split(" "));
  }

  private static int count(String s, String needle) {
    return (int) Pattern.compile(Pattern.quote(needle)).matcher(s).results().count();
  }

  /** A screenshot at 1400 px, under target/report-browser/, for a human to look at. */
  private void screenshot(String chromium, Path page, String name) throws Exception {
    Path shots = Path.of("target", "report-browser");
    Files.createDirectories(shots);
    Path png = shots.resolve(name).toAbsolutePath();
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
      {"baseline", "baseline", 0.0, 0.0},
      {"E=0.001", "E", 0.001, 0.03},
      {"E=0.01", "E", 0.01, 0.26},
      {"E=0.05", "E", 0.05, 0.83},
      {"S=5", "S", 5.0, 0.0002},
      {"S=3", "S", 3.0, 0.007},
      {"R=0.001", "R", 0.001, 1.0},
      {"R=0.01", "R", 0.01, 1.0}
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
            "2026-01-02 01:00:00 UTC",
            "2026-01-02 02:00:00 UTC",
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
            "2026-01-01 01:00:00 UTC",
            "2026-01-01 02:00:00 UTC",
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

  /**
   * One run shaped like conf/autoattack.conf with a clamp config and its straight-through twin:
   * baseline, E=0.02, S=3, S=2 and A=3 under autoattack, PGD, PGD straight-through and Square, and
   * the worst case. A=3 resists the exact gradient only: its PGD row is flagged against its twin
   * and against the baseline's images.
   */
  static ReportData cascadeData() {
    String pgd = "pgd-linf eps=0.03 alpha=0.003 steps=10";
    String[][] attacks = {
      {"autoattack", "autoattack", "autoattack eps=0.03 members=apgd-ce,apgd-t,fab-t,square"},
      {"pgd", "pgd-linf", pgd},
      {
        "pgd-st",
        "pgd-linf",
        pgd + io.adversarialprune.job.results.MetricsTable.STRAIGHT_THROUGH_LABEL
      },
      {"square", "square", "square norm=linf eps=0.03 queries=1000"},
      {"worst-case", "worst-case", "per sample, the worst of autoattack, pgd, pgd-st, square"}
    };
    // norm, eps, steps, queries and gradient_free of each attack, as the metrics table has them
    Object[][] identity = {
      {"linf", 0.03, null, null, null},
      {"linf", 0.03, 10, null, false},
      {"linf", 0.03, 10, null, false},
      {"linf", 0.03, null, 1000, true},
      {null, null, null, null, null}
    };
    // prune, type, value, prune ratio, correct, remnant per attack (as above)
    Object[][] grid = {
      {"baseline", "baseline", 0.0, 0.0, 138, new int[] {0, 6, 6, 3, 0}},
      {"E=0.02", "E", 0.02, 0.475704406469681, 141, new int[] {0, 8, 8, 2, 0}},
      {"S=3", "S", 3.0, 0.0068, 137, new int[] {0, 7, 7, 6, 0}},
      {"S=2", "S", 2.0, 0.049294164713951, 99, new int[] {15, 20, 20, 19, 15}},
      {"A=3", "A", 3.0, 0.0, 136, new int[] {1, 45, 5, 4, 1}}
    };
    long total = 150;
    List<ConfigMetrics> rows = new ArrayList<>();
    List<RobustnessCurve> curves = new ArrayList<>();
    for (int c = 0; c < grid.length; c++) {
      Object[] g = grid[c];
      String prune = (String) g[0];
      long correct = (Integer) g[4];
      int[] remnant = (int[]) g[5];
      boolean baseline = prune.equals("baseline");
      for (int a = 0; a < attacks.length; a++) {
        long adv = remnant[a];
        long attacked = correct - adv;
        boolean worst = a == attacks.length - 1;
        // A=3's PGD with the exact gradient does far better than the baseline's images
        long transfer = prune.equals("A=3") && a == 1 ? 8 : adv + 1;
        rows.add(
            new ConfigMetrics(
                prune.replace('=', '_'),
                c,
                prune,
                (String) g[1],
                (Double) g[2],
                null,
                attacks[a][0],
                attacks[a][1],
                attacks[a][2],
                a,
                1,
                total,
                correct,
                adv,
                attacked + 2,
                attacked,
                wilson(correct, total),
                wilson(adv, total),
                wilson(attacked + 2, total),
                wilson(attacked, correct),
                baseline ? null : wilson(transfer, total),
                baseline ? null : prune.equals("A=3") && a == 1,
                (Double) g[3],
                worst ? null : 0.0300,
                worst ? null : 0.9 + 0.05 * c + 0.1 * a,
                a == 0 ? 0.0299 : null,
                (String) identity[a][0],
                (Double) identity[a][1],
                (Integer) identity[a][2],
                (Integer) identity[a][3],
                (Boolean) identity[a][4]));
      }
      float[] d = new float[(int) (correct - remnant[0])];
      for (int i = 0; i < d.length; i++) {
        d[i] = 0.0296f + 0.0004f * i / d.length;
      }
      curves.add(
          new RobustnessCurve(prune.replace('=', '_'), prune, "autoattack", total, correct, d));
    }
    List<ReportData.BrokenBy> brokenBy =
        List.of(
            new ReportData.BrokenBy("baseline", "autoattack", "apgd-ce", 137),
            new ReportData.BrokenBy("baseline", "autoattack", "apgd-t", 1),
            new ReportData.BrokenBy("E_0.02", "autoattack", "apgd-ce", 141),
            new ReportData.BrokenBy("S_3", "autoattack", "apgd-ce", 137),
            new ReportData.BrokenBy("S_2", "autoattack", "apgd-ce", 84),
            new ReportData.BrokenBy("A_3", "autoattack", "apgd-ce", 130),
            new ReportData.BrokenBy("A_3", "autoattack", "apgd-t", 5));
    ReportData.Run run =
        new ReportData.Run(
            "20261205-082641",
            "SUCCEEDED",
            "2026-12-05 08:26:41 UTC",
            "2026-12-05 08:30:47 UTC",
            "cpu()",
            rows,
            50,
            50,
            List.of());
    return new ReportData(
        "/results",
        "autoattack",
        run,
        null,
        null,
        List.of(),
        List.of(
            "Sweep autoattack has only one run (20261205-082641): no night-over-night comparison."),
        curves,
        brokenBy);
  }

  private static ConfigMetrics metrics(int order, Object[] g, double acc) {
    long total = 1000;
    long correct = Math.round(acc * total);
    long adv = 20;
    long attacked = correct - adv;
    long changed = attacked + 5;
    boolean baseline = "baseline".equals(g[0]);
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
        0.6,
        null,
        "linf",
        0.03,
        10,
        null,
        false);
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

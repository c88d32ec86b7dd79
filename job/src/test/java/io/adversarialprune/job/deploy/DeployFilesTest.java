package io.adversarialprune.job.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adversarialprune.job.Main;
import io.adversarialprune.job.report.Gate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.internal.config.ConfigEntry$;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * Every script and manifest in deploy/: scripts pass {@code bash -n}, YAML parses, the GPU
 * discovery script prints Spark's JSON, and every {@code spark.*} key named anywhere exists in
 * Spark 4.1 (a registered config entry of core, SQL or Kubernetes, or one of Spark's documented
 * templated keys).
 */
class DeployFilesTest {
  private static final Path DEPLOY = Path.of("../deploy").toAbsolutePath().normalize();
  private static final String TUNABLES =
      "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"
          + ":glibc.malloc.arena_max=1";

  /** A key on its own or as a JVM system property ({@code -Dspark.worker.resource...}). */
  private static final Pattern KEY =
      Pattern.compile("(?:(?<=-D)|(?<![\\w.:/-]))spark\\.[A-Za-z0-9_.-]+");

  /** Keys Spark documents as templates: not single config entries. */
  private static final List<Pattern> TEMPLATED =
      List.of(
          Pattern.compile(
              "spark\\.(executor|driver|task|worker)\\.resource\\.[a-z]+\\."
                  + "(amount|discoveryScript|vendor)"),
          Pattern.compile("spark\\.executorEnv\\.[A-Z_][A-Z0-9_]*"),
          Pattern.compile("spark\\.kubernetes\\.driverEnv\\.[A-Z_][A-Z0-9_]*"),
          Pattern.compile("spark\\.yarn\\.appMasterEnv\\.[A-Z_][A-Z0-9_]*"),
          Pattern.compile(
              "spark\\.kubernetes\\.(driver|executor)\\.volumes\\."
                  + "(persistentVolumeClaim|hostPath|emptyDir|nfs)\\.[a-z0-9-]+\\."
                  + "(mount\\.path|mount\\.readOnly|mount\\.subPath|options\\.[A-Za-z]+)"),
          Pattern.compile("spark\\.hadoop\\..+"));

  /** Keys Spark documents and reads directly, without a config entry. */
  private static final Set<String> UNREGISTERED = Set.of("spark.master");

  @TempDir Path tmp;

  @Test
  void everyScriptPassesBashN() throws Exception {
    List<Path> scripts = scripts();
    assertThat(scripts)
        .extracting(p -> DEPLOY.relativize(p).toString())
        .contains(
            "standalone/cluster.sh",
            "standalone/submit.sh",
            "yarn/submit.sh",
            "kubernetes/submit.sh",
            "gpu/discover-gpus.sh",
            "local/adversarial-prune");
    for (Path s : scripts) {
      Result r = run(List.of("bash", "-n", s.toString()), Map.of(), null);
      assertThat(r.code).as("bash -n %s: %s", s, r.out).isZero();
      if (!List.of("jvm-options.sh", "engine-env.sh", "worker-gpu.sh")
          .contains(s.getFileName().toString())) {
        assertThat(Files.isExecutable(s)).as("%s is executable", s).isTrue();
      }
    }
  }

  @Test
  void engineEnvCapsTheOneDnnIsaUnlessTheUserSetIt() throws Exception {
    String probe = "source \"$1\"; echo \"$ONEDNN_MAX_CPU_ISA ${ENGINE_ENV_CONF[*]}\"";
    String env = DEPLOY.resolve("engine-env.sh").toString();
    Result capped =
        run(
            List.of(
                "env",
                "-u",
                "ONEDNN_MAX_CPU_ISA",
                "-u",
                "GLIBC_TUNABLES",
                "bash",
                "-c",
                probe,
                "x",
                env),
            Map.of(),
            null);
    assertThat(capped.out.trim())
        .isEqualTo(
            "AVX2 --conf spark.executorEnv.ONEDNN_MAX_CPU_ISA=AVX2 --conf "
                + "spark.executorEnv.GLIBC_TUNABLES="
                + TUNABLES);
    Result lifted =
        run(
            List.of("bash", "-c", probe, "x", env),
            Map.of("ONEDNN_MAX_CPU_ISA", "ALL", "GLIBC_TUNABLES", ""),
            null);
    assertThat(lifted.out.trim())
        .isEqualTo(
            "ALL --conf spark.executorEnv.ONEDNN_MAX_CPU_ISA=ALL"
                + " --conf spark.executorEnv.GLIBC_TUNABLES=");
  }

  @Test
  void everyLauncherAndImageCarriesTheIsaCap() throws IOException {
    for (String launcher :
        List.of(
            "local/adversarial-prune",
            "local/bench",
            "standalone/cluster.sh",
            "standalone/submit.sh",
            "yarn/submit.sh",
            "kubernetes/submit.sh")) {
      assertThat(Files.readString(DEPLOY.resolve(launcher)))
          .as(launcher)
          .contains("source \"$repo/deploy/engine-env.sh\"");
    }
    for (String submit :
        List.of("standalone/submit.sh", "yarn/submit.sh", "kubernetes/submit.sh")) {
      assertThat(Files.readString(DEPLOY.resolve(submit)))
          .as(submit)
          .contains("\"${ENGINE_ENV_CONF[@]}\"");
    }
    assertThat(Files.readString(DEPLOY.resolve("docker/Dockerfile")))
        .contains("ONEDNN_MAX_CPU_ISA=AVX2", "GLIBC_TUNABLES=" + TUNABLES);
    Map<String, Object> spec =
        map(
            map(new org.yaml.snakeyaml.Yaml()
                    .load(Files.readString(DEPLOY.resolve("kubernetes/nightly-scheduled.yaml"))))
                .get("spec"));
    Map<String, Object> app = map(spec.get("template"));
    for (String role : List.of("driver", "executor")) {
      assertThat(String.valueOf(map(app.get(role)).get("env")))
          .as(role)
          .contains(
              "name=ONEDNN_MAX_CPU_ISA, value=AVX2", "name=GLIBC_TUNABLES, value=" + TUNABLES);
    }
  }

  @Test
  void scheduledCommandsPassBashN() throws Exception {
    for (String line : Files.readAllLines(DEPLOY.resolve("schedule/nightly.cron"))) {
      if (line.isBlank() || line.startsWith("#") || line.matches("[A-Z_]+=.*")) {
        continue;
      }
      String command = line.split("\\s+", 6)[5].replace("\\%", "%");
      assertThat(command).contains("--run-id \"$(date +%F)\"", "conf/nightly.conf");
      // the nightly loop: sweep, compare with the gate, maintain
      assertThat(command).contains("submit.sh nightly ", "--fail-on '", "--older-than");
      assertThat(run(List.of("bash", "-n"), Map.of(), command).code).as(command).isZero();
    }
    String service = Files.readString(DEPLOY.resolve("schedule/adversarial-prune-nightly.service"));
    Matcher exec = Pattern.compile("(?m)^ExecStart=/bin/bash -c '(.*)'$").matcher(service);
    assertThat(exec.find()).as("ExecStart=/bin/bash -c '...'").isTrue();
    String command = exec.group(1).replace("%%", "%");
    assertThat(command).contains("--run-id \"$(date +%F)\"", "conf/nightly.conf");
    assertThat(command).contains("submit.sh nightly ", "--fail-on \"", "--older-than");
    assertThat(service).contains("OnFailure=adversarial-prune-alert@%n.service");
    assertThat(DEPLOY.resolve("schedule/adversarial-prune-alert@.service")).exists();
    assertThat(run(List.of("bash", "-n"), Map.of(), command).code).as(command).isZero();
    assertThat(Files.readString(DEPLOY.resolve("schedule/adversarial-prune-nightly.timer")))
        .contains("OnCalendar=", "Persistent=true", "WantedBy=timers.target");
  }

  @Test
  void manifestsParseAndRunTheNightlyConfig() throws IOException {
    List<Path> yamls;
    try (Stream<Path> s = Files.walk(DEPLOY)) {
      yamls = s.filter(p -> p.toString().matches(".*\\.ya?ml$")).sorted().toList();
    }
    assertThat(yamls).isNotEmpty();
    for (Path y : yamls) {
      for (Object doc : new Yaml().loadAll(Files.readString(y))) {
        assertThat(doc).as(y.toString()).isInstanceOf(Map.class);
      }
    }
    Map<String, Object> app =
        new Yaml().load(Files.readString(DEPLOY.resolve("kubernetes/nightly-scheduled.yaml")));
    assertThat(app).containsEntry("kind", "ScheduledSparkApplication");
    Map<String, Object> template = map(map(app.get("spec")).get("template"));
    @SuppressWarnings("unchecked")
    List<String> args = (List<String>) template.get("arguments");
    // The arguments are a valid command line, and its config is one shipped in conf/.
    Main.commandLine().parseArgs(args.toArray(String[]::new));
    String config = args.get(args.indexOf("--config") + 1);
    assertThat(config).startsWith("/opt/adversarial-prune/conf/");
    assertThat(DEPLOY.resolveSibling(config.substring("/opt/adversarial-prune/".length())))
        .exists();
    assertThat(args.get(args.indexOf("--run-id") + 1)).isEqualTo("@date");
    assertThat(args.get(0)).isEqualTo("nightly");
    Gate.parse(args.get(args.indexOf("--fail-on") + 1), "--fail-on");
    Map<String, Object> conf = map(template.get("sparkConf"));
    assertThat(conf.get("spark.executor.extraJavaOptions").toString())
        .contains("-Dai.djl.offline=true", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    assertThat(conf).containsEntry("spark.executor.resource.gpu.vendor", "nvidia.com");
    for (String key : conf.keySet()) {
      assertThat(isKnownSparkKey(key)).as("sparkConf key %s", key).isTrue();
    }
  }

  @Test
  void everySparkKeyNamedInDeployExistsInSpark() throws IOException {
    TreeSet<String> keys = new TreeSet<>();
    try (Stream<Path> s = Files.walk(DEPLOY)) {
      for (Path f :
          s.filter(Files::isRegularFile)
              .filter(p -> !p.toString().endsWith(".md"))
              .filter(p -> !p.toString().endsWith(".py"))
              .toList()) {
        Matcher m = KEY.matcher(Files.readString(f, StandardCharsets.UTF_8));
        while (m.find()) {
          keys.add(m.group().replaceAll("[.]+$", ""));
        }
      }
    }
    assertThat(keys)
        .contains(
            "spark.executor.extraJavaOptions",
            "spark.task.resource.gpu.amount",
            "spark.kubernetes.container.image",
            "spark.executor.resource.gpu.vendor");
    assertThat(isKnownSparkKey("spark.executor.extraJavaOption")).as("a typo is caught").isFalse();
    assertThat(isKnownSparkKey("spark.kubernetes.executor.volumes.pvc.x.mount.path")).isFalse();
    List<String> unknown = keys.stream().filter(k -> !isKnownSparkKey(k)).toList();
    assertThat(unknown).as("keys that Spark 4.1 does not define").isEmpty();
  }

  @Test
  void standaloneWorkersOfferGpusWhenAskedTo() throws Exception {
    // as cluster.sh sources it (set -e): a refused value stops the script
    String probe = "set -e; repo=/r; source \"$1\"; printf '%s\\n' \"${WORKER_GPU_OPTS[@]}\"";
    String script = DEPLOY.resolve("standalone/worker-gpu.sh").toString();
    Result two = run(List.of("bash", "-c", probe, "x", script), Map.of("WORKER_GPUS", "2"), null);
    assertThat(two.out.lines().toList())
        .containsExactly(
            "-Dspark.worker.resource.gpu.amount=2",
            "-Dspark.worker.resource.gpu.discoveryScript=/r/deploy/gpu/discover-gpus.sh");
    for (String option : two.out.lines().toList()) {
      String key = option.substring("-D".length(), option.indexOf('='));
      assertThat(isKnownSparkKey(key)).as(key).isTrue();
    }
    Result none =
        run(List.of("env", "-u", "WORKER_GPUS", "bash", "-c", probe, "x", script), Map.of(), null);
    assertThat(none.out.trim()).isEmpty();
    Result bad = run(List.of("bash", "-c", probe, "x", script), Map.of("WORKER_GPUS", "x"), null);
    assertThat(bad.code).isEqualTo(2);
    assertThat(bad.out).contains("WORKER_GPUS must be a whole number");

    String cluster = Files.readString(DEPLOY.resolve("standalone/cluster.sh"));
    assertThat(cluster)
        .contains("source \"$repo/deploy/standalone/worker-gpu.sh\"")
        .containsPattern("\"\\$\\{WORKER_GPU_OPTS\\[@]}\".*\\n.*deploy\\.worker\\.Worker");
    // Two workers on one machine would both claim every GPU: refused before anything starts.
    Result twoWorkers =
        run(
            List.of(DEPLOY.resolve("standalone/cluster.sh").toString(), "start", tmp.toString()),
            Map.of("WORKER_GPUS", "1", "WORKERS", "2"),
            null);
    assertThat(twoWorkers.code).isEqualTo(2);
    assertThat(twoWorkers.out).contains("WORKER_GPUS needs WORKERS=1");
    assertThat(tmp.resolve("pids")).doesNotExist();
  }

  @Test
  void standaloneSubmitWithGpuAsksForOneGpuPerExecutorAndTask() throws Exception {
    List<String> args =
        submitted(
            "standalone/submit.sh",
            Map.of("GPU", "1", "MASTER_URL", "spark://127.0.0.1:1"),
            "run",
            "--results",
            "/r");
    assertThat(confs(args))
        .contains(
            "spark.executor.resource.gpu.amount=1",
            "spark.task.resource.gpu.amount=1",
            "spark.executor.resource.gpu.discoveryScript=" + DEPLOY.resolve("gpu/discover-gpus.sh"),
            "spark.executorEnv.PYTORCH_FLAVOR=cu128");
    assertThat(confs(args)).allSatisfy(c -> assertThat(isKnownSparkKey(key(c))).as(c).isTrue());
  }

  @Test
  void onKubernetesOnlyExecutorsSeeGpus() throws Exception {
    List<String> args =
        submitted(
            "kubernetes/submit.sh",
            Map.of("K8S_API", "https://k8s.example:6443", "IMAGE", "img:1"),
            "/opt/adversarial-prune/conf/nightly.conf",
            "/results",
            "2026-12-07");
    assertThat(confs(args))
        .contains(
            "spark.kubernetes.driverEnv.NVIDIA_VISIBLE_DEVICES=void",
            "spark.executor.resource.gpu.vendor=nvidia.com")
        .noneMatch(c -> c.startsWith("spark.executorEnv.NVIDIA_VISIBLE_DEVICES="));
    assertThat(confs(args)).allSatisfy(c -> assertThat(isKnownSparkKey(key(c))).as(c).isTrue());

    // The image sets no NVIDIA_VISIBLE_DEVICES for every container (the driver's included).
    String image =
        Files.readString(DEPLOY.resolve("docker/Dockerfile")).replaceAll("(?m)^\\s*#.*\\n", "");
    assertThat(image).doesNotContain("NVIDIA_VISIBLE_DEVICES");

    Map<String, Object> app =
        map(
            map(new Yaml()
                    .load(Files.readString(DEPLOY.resolve("kubernetes/nightly-scheduled.yaml"))))
                .get("spec"));
    Map<String, Object> template = map(app.get("template"));
    assertThat(String.valueOf(map(template.get("driver")).get("env")))
        .contains("name=NVIDIA_VISIBLE_DEVICES, value=void");
    assertThat(String.valueOf(map(template.get("executor")).get("env")))
        .doesNotContain("NVIDIA_VISIBLE_DEVICES");
  }

  /** What {@code script} passes to spark-submit: a fake SPARK_HOME's spark-submit prints it. */
  private List<String> submitted(String script, Map<String, String> env, String... args)
      throws Exception {
    Path home = Files.createDirectories(tmp.resolve("spark-home/bin"));
    Path submit = home.resolve("spark-submit");
    Files.writeString(submit, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Files.writeString(tmp.resolve("app.jar"), "");
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("SPARK_HOME", home.getParent().toString());
    all.put("APP_JAR", jar.toString());
    List<String> cmd = new ArrayList<>(List.of(DEPLOY.resolve(script).toString()));
    cmd.addAll(List.of(args));
    Result r = run(cmd, all, null);
    assertThat(r.code).as(r.out).isZero();
    return r.out.lines().toList();
  }

  /** The values of a spark-submit command line's {@code --conf} options. */
  private static List<String> confs(List<String> args) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i + 1 < args.size(); i++) {
      if (args.get(i).equals("--conf")) {
        out.add(args.get(i + 1));
      }
    }
    return out;
  }

  private static String key(String conf) {
    return conf.substring(0, conf.indexOf('='));
  }

  @Test
  void gpuDiscoveryPrintsSparksResourceJson() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path smi = bin.resolve("nvidia-smi");
    Files.writeString(smi, "#!/bin/sh\nprintf '0\\n1\\n'\n");
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    String script = DEPLOY.resolve("gpu/discover-gpus.sh").toString();
    Result two =
        run(List.of("bash", script), Map.of("PATH", bin + ":" + System.getenv("PATH")), null);
    JsonNode json = new ObjectMapper().readTree(two.out);
    assertThat(json.get("name").asText()).isEqualTo("gpu");
    assertThat(json.get("addresses").toString()).isEqualTo("[\"0\",\"1\"]");

    Files.delete(smi);
    Result none = run(List.of("bash", script), Map.of("PATH", "/usr/bin:/bin"), null);
    assertThat(new ObjectMapper().readTree(none.out).get("addresses").size()).isZero();
  }

  static boolean isKnownSparkKey(String key) {
    loadConfigEntries();
    return ConfigEntry$.MODULE$.findEntry(key) != null
        || UNREGISTERED.contains(key)
        || TEMPLATED.stream().anyMatch(p -> p.matcher(key).matches());
  }

  private static boolean loaded;

  /**
   * Config entries register themselves when the Scala object declaring them initializes: load every
   * config object of core (org.apache.spark.internal.config), SQL and Kubernetes.
   */
  private static synchronized void loadConfigEntries() {
    if (loaded) {
      return;
    }
    Pattern objects =
        Pattern.compile(
            "org/apache/spark/(internal/config/[A-Za-z]+|"
                + "sql/internal/SQLConf|sql/internal/StaticSQLConf|deploy/k8s/Config)\\$\\.class");
    int count = 0;
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.endsWith(".jar") || !entry.contains("spark")) {
        continue;
      }
      try (JarFile jar = new JarFile(entry)) {
        for (String name : jar.stream().map(e -> e.getName()).toList()) {
          if (objects.matcher(name).matches()) {
            String cls = name.substring(0, name.length() - ".class".length()).replace('/', '.');
            try {
              Class.forName(cls, true, DeployFilesTest.class.getClassLoader());
              count++;
            } catch (ReflectiveOperationException | LinkageError e) {
              // not a config object (or one needing classes absent here): its keys stay unknown
            }
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    assertThat(count).as("Spark config objects loaded").isGreaterThan(5);
    assertThat(ConfigEntry$.MODULE$.findEntry("spark.kubernetes.container.image")).isNotNull();
    loaded = true;
  }

  private static List<Path> scripts() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(DEPLOY)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        String first =
            Files.readAllLines(p, StandardCharsets.ISO_8859_1).stream().findFirst().orElse("");
        if (p.toString().endsWith(".sh")
            || first.startsWith("#!/usr/bin/env bash")
            || first.startsWith("#!/bin/bash")) {
          out.add(p);
        }
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  private record Result(int code, String out) {}

  private static Result run(List<String> cmd, Map<String, String> env, String stdin)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), out);
  }
}

package io.adversarialprune.job.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineProbeTest {
  private static final ProbeKey KEY =
      new ProbeKey("AMD EPYC caches none", "bundled 2.7.1 cpu", "ab12", "batch 100 threads [1, 2]");
  private static final Instant AT = Instant.parse("2026-12-05T07:30:00Z");

  @TempDir Path dir;

  /** A check that counts its runs and returns {@code verdict}. */
  private static EngineProbe.Check counting(AtomicInteger runs, Optional<ProbeVerdict> verdict) {
    return () -> {
      runs.incrementAndGet();
      return verdict;
    };
  }

  @Test
  void passingCheckLiftsTheCap() {
    EngineProbe.Decision d =
        EngineProbe.decide(
            KEY,
            new ProbeCache(dir),
            () -> Optional.of(new ProbeVerdict(true, "PASS rms 1e-3", AT)),
            false);

    assertThat(d.isaCap()).isEqualTo("ALL");
    assertThat(d.cached()).isFalse();
  }

  @Test
  void failingCheckKeepsTheCapAndNamesIt() {
    EngineProbe.Decision d =
        EngineProbe.decide(
            KEY,
            new ProbeCache(dir),
            () -> Optional.of(new ProbeVerdict(false, "FAIL gradient rms 0.2", AT)),
            false);

    assertThat(d.isaCap()).isEqualTo("AVX2");
    assertThat(d.why()).contains("ONEDNN_MAX_CPU_ISA=AVX2").contains("FAIL gradient rms 0.2");
  }

  @Test
  void secondDecisionComesFromTheCacheWithoutRunningTheCheck() {
    AtomicInteger runs = new AtomicInteger();
    EngineProbe.Check check = counting(runs, Optional.of(new ProbeVerdict(true, "PASS", AT)));
    EngineProbe.decide(KEY, new ProbeCache(dir), check, false);

    EngineProbe.Decision again = EngineProbe.decide(KEY, new ProbeCache(dir), check, false);

    assertThat(runs).hasValue(1);
    assertThat(again.cached()).isTrue();
    assertThat(again.verdict()).isEqualTo(new ProbeVerdict(true, "PASS", AT));
  }

  @Test
  void refreshRunsTheCheckAgainAndReplacesTheVerdict() {
    AtomicInteger runs = new AtomicInteger();
    EngineProbe.decide(
        KEY,
        new ProbeCache(dir),
        counting(runs, Optional.of(new ProbeVerdict(true, "PASS", AT))),
        false);

    EngineProbe.decide(
        KEY,
        new ProbeCache(dir),
        counting(runs, Optional.of(new ProbeVerdict(false, "FAIL", AT))),
        true);

    assertThat(runs).hasValue(2);
    assertThat(new ProbeCache(dir).read(KEY)).contains(new ProbeVerdict(false, "FAIL", AT));
  }

  @Test
  void checkWithoutVerdictKeepsTheCapAndCachesNothing() {
    EngineProbe.Decision d = EngineProbe.decide(KEY, new ProbeCache(dir), Optional::empty, false);

    assertThat(d.isaCap()).isEqualTo("AVX2");
    assertThat(d.verdict()).isNull();
    assertThat(new ProbeCache(dir).read(KEY)).isEmpty();
  }

  @Test
  void verdictIsKeptPerModelCpuAndLibtorch() {
    ProbeCache cache = new ProbeCache(dir);
    cache.write(KEY, new ProbeVerdict(true, "PASS", AT));

    assertThat(cache.read(new ProbeKey(KEY.cpu(), KEY.libtorch(), "cd34", KEY.check()))).isEmpty();
    assertThat(
            cache.read(new ProbeKey("Intel Xeon", KEY.libtorch(), KEY.modelSha256(), KEY.check())))
        .isEmpty();
    assertThat(
            cache.read(
                new ProbeKey(KEY.cpu(), "bundled 2.8.0 cpu", KEY.modelSha256(), KEY.check())))
        .isEmpty();
    assertThat(cache.read(KEY)).isPresent();
  }

  @Test
  void fileOfAnotherKeyUnderTheSameNameIsAMiss() throws IOException {
    ProbeCache cache = new ProbeCache(dir);
    cache.write(KEY, new ProbeVerdict(true, "PASS", AT));
    Path file = cache.file(KEY);
    Files.writeString(file, Files.readString(file).replace("model-sha256=ab12", "model-sha256=ff"));

    assertThat(cache.read(KEY)).isEmpty();
  }

  @Test
  void unreadableFileIsAMiss() throws IOException {
    ProbeCache cache = new ProbeCache(dir);
    cache.write(KEY, new ProbeVerdict(true, "PASS", AT));
    Files.writeString(cache.file(KEY), "passed=maybe\n");

    assertThat(cache.read(KEY)).isEmpty();
  }

  @Test
  void defaultDirectoryFollowsXdgCacheHome() {
    assertThat(ProbeCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "/var/cache/x")))
        .isEqualTo(Path.of("/var/cache/x/adversarial-prune"));
    assertThat(ProbeCache.defaultDirectory(Map.of()))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".cache", "adversarial-prune"));
  }

  @Test
  void fingerprintSaysWhenTheOsReportsNoCacheSizes(@TempDir Path sys) throws IOException {
    Path cpuinfo = sys.resolve("cpuinfo");
    Files.writeString(
        cpuinfo,
        "processor\t: 0\n"
            + "vendor_id\t: AuthenticAMD\n"
            + "model name\t: AMD EPYC\n"
            + "flags\t\t: avx2 avx512f\n\n"
            + "processor\t: 1\n"
            + "model name\t: other\n");

    String none = HostCpu.fingerprint(cpuinfo, sys.resolve("cpu0"), 2);
    Path index0 = Files.createDirectories(sys.resolve("cpu0/cache/index0"));
    Files.writeString(index0.resolve("level"), "1\n");
    Files.writeString(index0.resolve("type"), "Data\n");
    Files.writeString(index0.resolve("size"), "48K\n");
    String some = HostCpu.fingerprint(cpuinfo, sys.resolve("cpu0"), 2);

    assertThat(none)
        .contains("AMD EPYC")
        .contains("avx512f")
        .contains("caches none")
        .doesNotContain("other");
    assertThat(some).contains("caches 1:Data:48K");
  }
}

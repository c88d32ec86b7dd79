package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.prune.PruneGrid;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneType;
import java.io.File;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The whole typed sweep configuration, built in one place from HOCON: defaults only in {@code
 * reference.conf}, then the sweep file, then {@code --set} overrides. Every key is read eagerly and
 * every problem (unknown key, wrong type, out-of-range value) is reported at once, with its full
 * key path, before any Spark work starts. Immutable and serializable (broadcast to executors).
 */
public record SweepConfig(
    String name,
    ResultsConfig results,
    List<Long> seeds,
    ModelConfig model,
    DataConfig data,
    AttackOptions attack,
    List<NamedAttack> attacks,
    PruneOptions prune,
    List<PruneSpec> grid,
    List<TransferTarget> transfer,
    boolean anatomy,
    EngineConfig engine,
    CheckConfig check,
    String rendered,
    String hash)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Settings that are valid but probably not what was meant, one sentence each naming the keys;
   * {@code run} prints them before it starts.
   */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < attacks.size(); i++) {
      AttackSpec spec = attacks.get(i).spec();
      String overshoot =
          spec instanceof Pgd p && p.norm().equals("linf") && p.alpha() > p.eps()
              ? " step crosses the whole eps-ball, so the first step already jumps to its corner"
                  + " (every pixel at +-eps) instead of searching inside it; PGD usually takes"
                  + " alpha well below eps"
              : spec instanceof Pgd p && p.norm().equals("l2") && p.alpha() > p.eps()
                  ? " step is longer than the L2 ball's radius, so the first step already lands"
                      + " on its surface instead of searching inside it; PGD-L2 usually takes alpha"
                      + " well below eps"
                  : null;
      if (overshoot != null) {
        double alpha = ((Pgd) spec).alpha();
        out.add(
            "sweep.attacks["
                + i
                + "] ('"
                + attacks.get(i).name()
                + "'): alpha ("
                + alpha
                + ") is larger than eps ("
                + spec.eps()
                + "; sweep.attack.alpha and .eps unless the entry sets its own): one"
                + overshoot);
      }
    }
    for (PruneSpec spec : grid) {
      if (spec.steps().stream().anyMatch(st -> st.type() == PruneType.S && st.value() == 0)) {
        // Accepted: the far end of the S axis, as L1=1 is of L1's; but also what a typo gives.
        out.add(
            "sweep.grid: config "
                + spec.label()
                + " has S = 0, which clamps every weight of each tensor it clamps to that"
                + " tensor's mean"
                + (spec.normalityGate()
                    ? " (every tensor that fails the normality test, sweep.prune.normality-gate)"
                    : "")
                + ": the model barely classifies any more (8.5% clean accuracy on the embedded"
                + " default); run as asked, as the far end of the S axis");
      }
    }
    boolean clamps = grid.stream().anyMatch(spec -> spec.clampMultiple() != null);
    for (int i = 0; i < attacks.size(); i++) {
      if (!clamps && attacks.get(i).clampGradient() != ClampGradient.EXACT) {
        out.add(
            "sweep.attacks["
                + i
                + "] ('"
                + attacks.get(i).name()
                + "') sets clamp-gradient, but no config of sweep.grid clamps feature maps (A):"
                + " it attacks exactly as the same attack without it");
      }
    }
    return out;
  }

  /** Loads {@code file} (may be null: defaults only) with {@code key=value} overrides. */
  public static SweepConfig load(File file, List<String> overrides) {
    Config user = ConfigFactory.empty();
    List<String> problems = new ArrayList<>();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw new UserInputException("--set expects key=value, got '" + o + "'");
      }
      try {
        // A later --set wins over an earlier one, and every --set over the file.
        user = ConfigFactory.parseString(o).withFallback(user);
      } catch (ConfigException e) {
        throw new UserInputException("--set " + o + " is not valid HOCON: " + e.getMessage());
      }
    }
    if (file != null) {
      if (!file.isFile()) {
        throw new UserInputException("config file not found: " + file);
      }
      try {
        user =
            user.withFallback(
                ConfigFactory.parseFile(
                    file, ConfigParseOptions.defaults().setAllowMissing(false)));
      } catch (ConfigException e) {
        throw new UserInputException(
            "config file " + file + " is not valid HOCON: " + e.getMessage());
      }
    }
    return from(user, problems);
  }

  /** Builds from an unresolved user config on top of {@code reference.conf}. */
  public static SweepConfig from(Config user, List<String> problems) {
    Config reference = ConfigFactory.defaultReference(SweepConfig.class.getClassLoader());
    Config config;
    try {
      config =
          ConfigFactory.defaultOverrides().withFallback(user).withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new UserInputException("config does not resolve: " + e.getMessage());
    }
    ConfigTypes.findUnknownKeys(user.resolve(), reference, problems);
    Set<String> badTypes = new LinkedHashSet<>();
    try {
      config.checkValid(reference, "sweep");
    } catch (ConfigException.ValidationFailed e) {
      for (ConfigException.ValidationProblem p : e.problems()) {
        problems.add(p.path() + ": " + p.problem());
        badTypes.add(p.path());
      }
    }
    // Typed reads of every reference key by its full path, so messages name e.g. sweep.attack.eps.
    ConfigTypes.checkTypes(config, reference, problems, badTypes);
    // A key of the wrong type is reported once, above; the blocks are then read with its default
    // in its place, so that the other keys' problems are reported in the same go.
    for (String path : badTypes) {
      if (reference.hasPath(path)) {
        config = config.withValue(path, reference.getValue(path));
      }
    }
    Config s = config.getConfig("sweep");
    String name = read(problems, () -> ConfigTypes.checkName(s.getString("name"), "sweep.name"));
    ResultsConfig results = read(problems, () -> ResultsConfig.from(s.getConfig("results")));
    List<Long> seeds = read(problems, () -> seeds(s));
    ModelConfig model = read(problems, () -> ModelConfig.from(s.getConfig("model")));
    DataConfig data = read(problems, () -> DataConfig.from(s.getConfig("data")));
    AttackOptions attack = read(problems, () -> AttackOptions.from(s.getConfig("attack")));
    List<NamedAttack> attacks = read(problems, () -> NamedAttack.listFrom(s));
    PruneOptions prune = read(problems, () -> PruneOptions.from(s.getConfig("prune")));
    // Without a valid prune block the grid is still read, without filters, for its own problems.
    List<PruneSpec> grid =
        read(
            problems,
            () ->
                PruneGrid.from(
                    s.getConfig("grid"),
                    "sweep.grid",
                    prune == null ? null : prune.include(),
                    prune == null ? null : prune.exclude(),
                    prune == null || prune.normalityGate()));
    if (prune == null) {
      grid = null;
    }
    List<TransferTarget> transfer = read(problems, () -> TransferTarget.listFrom(s));
    Config resolved = config; // read by its full path, so a problem names sweep.anatomy
    Boolean anatomy = read(problems, () -> resolved.getBoolean("sweep.anatomy"));
    EngineConfig engine = read(problems, () -> EngineConfig.from(s.getConfig("engine")));
    CheckConfig check = read(problems, () -> CheckConfig.from(s.getConfig("engine.check")));
    if (grid != null && transfer != null && grid.isEmpty() && transfer.isEmpty()) {
      problems.add(
          "sweep.grid is empty: enable sweep.grid.baseline or list values under one of"
              + " E, S, R, L1, L1G, LN1, LN2, RANDOM, Q, QC, A or composite");
    }
    if (!problems.isEmpty()) {
      throw problemsException(problems);
    }
    String rendered =
        s.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    // Where the results go is not what they are: a run may move to another catalog and resume.
    String hash = sha256(s.withoutPath("results").root().render(ConfigRenderOptions.concise()));
    return new SweepConfig(
        name, results, seeds, model, data, attack, attacks, prune, grid, transfer, anatomy, engine,
        check, rendered, hash);
  }

  private static UserInputException problemsException(List<String> problems) {
    return new UserInputException(
        problems.size() == 1
            ? "invalid config: " + problems.get(0)
            : "invalid config ("
                + problems.size()
                + " problems):\n  "
                + String.join("\n  ", problems));
  }

  /**
   * Runs one block's reader; its problems join {@code problems}. A block reports all its problems
   * in one message, separated by "; " before each key.
   */
  private static <T> T read(List<String> problems, Supplier<T> reader) {
    try {
      return reader.get();
    } catch (ConfigException e) {
      problems.add(ConfigTypes.withoutOrigin(e.getMessage()));
    } catch (IllegalArgumentException e) {
      problems.addAll(List.of(e.getMessage().split("; (?=sweep\\.|unknown key )")));
    }
    return null;
  }

  private static List<Long> seeds(Config s) {
    List<Long> seeds = s.getLongList("seeds");
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("sweep.seeds must list at least one seed");
    }
    if (seeds.stream().distinct().count() != seeds.size()) {
      throw new IllegalArgumentException("sweep.seeds has duplicates: " + seeds);
    }
    return List.copyOf(seeds);
  }

  private static String sha256(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

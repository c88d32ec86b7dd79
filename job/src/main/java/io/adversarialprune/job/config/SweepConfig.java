package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.model.ClampGradient;
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
    List<GridEntry> grid,
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
    for (GridEntry config : grid) {
      PruneSpec spec = config.prune();
      if (spec.steps().stream().anyMatch(st -> st.type() == PruneType.S && st.value() == 0)) {
        // Accepted: the far end of the S axis, as L1=1 is of L1's; but also what a typo gives.
        out.add(
            "sweep.grid: config "
                + config.label()
                + " has S = 0, which clamps every weight of each tensor it clamps to that"
                + " tensor's mean"
                + (spec.normalityGate()
                    ? " (every tensor that fails the normality test, sweep.prune.normality-gate)"
                    : "")
                + ": the model barely classifies any more (8.5% clean accuracy on the embedded"
                + " default); run as asked, as the far end of the S axis");
      }
    }
    boolean clamps = grid.stream().anyMatch(config -> config.clamp() != null);
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
    return from(user);
  }

  /**
   * Builds from an unresolved user config on top of {@code reference.conf}.
   *
   * @throws InvalidConfigException with every problem found
   * @throws UserInputException when the config does not resolve
   */
  public static SweepConfig from(Config user) {
    Config reference = ConfigFactory.defaultReference(SweepConfig.class.getClassLoader());
    Config config;
    try {
      config =
          ConfigFactory.defaultOverrides().withFallback(user).withFallback(reference).resolve();
    } catch (ConfigException e) {
      throw new UserInputException("config does not resolve: " + e.getMessage());
    }
    ProblemList problems = new ProblemList();
    ConfigTypes.findUnknownKeys(user.resolve(), reference, problems);
    Set<String> badTypes = new LinkedHashSet<>();
    try {
      config.checkValid(reference, "sweep");
    } catch (ConfigException.ValidationFailed e) {
      for (ConfigException.ValidationProblem p : e.problems()) {
        problems.add(p.path(), full -> full + ": " + p.problem());
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
    ConfigProblems sweep = problems.at("sweep");
    String name =
        read(problems, "name", () -> ConfigTypes.checkName(s.getString("name"), "name", sweep));
    ResultsConfig results =
        read(
            problems,
            "results",
            () -> ResultsConfig.from(s.getConfig("results"), sweep.at("results")));
    List<Long> seeds = read(problems, "seeds", () -> seeds(s, sweep));
    ModelConfig model =
        read(problems, "model", () -> ModelConfig.from(s.getConfig("model"), sweep.at("model")));
    DataConfig data =
        read(problems, "data", () -> DataConfig.from(s.getConfig("data"), sweep.at("data")));
    AttackOptions attack =
        read(
            problems,
            "attack",
            () -> AttackOptions.from(s.getConfig("attack"), sweep.at("attack")));
    List<NamedAttack> attacks = read(problems, "attacks", () -> NamedAttack.listFrom(s, sweep));
    PruneOptions prune =
        read(problems, "prune", () -> PruneOptions.from(s.getConfig("prune"), sweep.at("prune")));
    // Without a valid prune block the grid is still read, without filters, for its own problems.
    List<GridEntry> grid =
        read(
            problems,
            "grid",
            () ->
                PruneGrid.from(
                    s,
                    sweep,
                    prune == null ? null : prune.include(),
                    prune == null ? null : prune.exclude(),
                    prune == null || prune.normalityGate()));
    if (prune == null) {
      grid = null;
    }
    List<TransferTarget> transfer =
        read(problems, "transfer", () -> TransferTarget.listFrom(s, sweep));
    Config resolved = config; // read by its full path, so a problem names sweep.anatomy
    Boolean anatomy = read(problems, "anatomy", () -> resolved.getBoolean("sweep.anatomy"));
    EngineConfig engine =
        read(
            problems, "engine", () -> EngineConfig.from(s.getConfig("engine"), sweep.at("engine")));
    CheckConfig check =
        read(
            problems,
            "engine.check",
            () -> CheckConfig.from(s.getConfig("engine.check"), sweep.at("engine.check")));
    if (grid != null && transfer != null && grid.isEmpty() && transfer.isEmpty()) {
      sweep.add(
          "grid",
          "is empty: enable sweep.grid.baseline or list values under one of"
              + " E, S, R, L1, L1G, LN1, LN2, RANDOM, Q, QC, A or composite");
    }
    problems.throwIfAny();
    String rendered =
        s.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    // Where the results go is not what they are: a run may move to another catalog and resume.
    String hash = sha256(s.withoutPath("results").root().render(ConfigRenderOptions.concise()));
    return new SweepConfig(
        name, results, seeds, model, data, attack, attacks, prune, grid, transfer, anatomy, engine,
        check, rendered, hash);
  }

  /**
   * Runs the reader of the block {@code sweep.<block>}, which reports its problems to {@code
   * problems}: its value, or null when it reported any.
   */
  private static <T> T read(ProblemList problems, String block, Supplier<T> reader) {
    int before = problems.size();
    T value;
    try {
      value = reader.get();
    } catch (ConfigException e) {
      // Every key's type was checked above; this is a safety net, not a way of reporting.
      problems.add("sweep." + block, full -> ConfigTypes.withoutOrigin(e.getMessage()));
      return null;
    }
    return problems.size() == before ? value : null;
  }

  private static List<Long> seeds(Config s, ConfigProblems problems) {
    List<Long> seeds = s.getLongList("seeds");
    if (seeds.isEmpty()) {
      problems.add("seeds", "must list at least one seed");
    } else if (seeds.stream().distinct().count() != seeds.size()) {
      problems.add("seeds", "has duplicates: " + seeds);
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

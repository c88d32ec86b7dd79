package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.udfs.attack.AttackSpec;
import io.adversarialprune.udfs.attack.PgdL2;
import io.adversarialprune.udfs.attack.PgdLinf;
import io.adversarialprune.udfs.check.CheckPolicy;
import io.adversarialprune.udfs.check.EngineCheck;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.MemoryFormat;
import io.adversarialprune.udfs.model.Normalization;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
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
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The whole typed sweep configuration, built in one place from HOCON: defaults only in {@code
 * reference.conf}, then the sweep file, then {@code --set} overrides. Every key is read eagerly and
 * every problem (unknown key, wrong type, out-of-range value) is reported at once, with its full
 * key path, before any Spark work starts. Immutable and serializable (broadcast to executors).
 */
public record SweepConfig(
    String name,
    List<Long> seeds,
    ModelConfig model,
    DataConfig data,
    AttackOptions attack,
    List<NamedAttack> attacks,
    PruneOptions prune,
    List<PruneSpec> grid,
    List<TransferTarget> transfer,
    EngineConfig engine,
    CheckConfig check,
    String rendered,
    String hash)
    implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  /** {@code sweep.model}. */
  public record ModelConfig(
      String path, InputShape input, Normalization normalization, int resize, int crop)
      implements Serializable {}

  /** {@code sweep.data}. */
  public record DataConfig(String path, long limit, int shards) implements Serializable {}

  /**
   * {@code sweep.attack}: what every attack shares. (The block's other keys are the defaults every
   * entry of {@code sweep.attacks} inherits; they are read into each entry's {@link AttackSpec}.)
   *
   * @param batchSize images per forward/backward pass ({@code sweep.attack.batch-size}); results do
   *     not depend on it
   */
  public record AttackOptions(int batchSize) implements Serializable {}

  /**
   * One entry of {@code sweep.attacks}: an attack and the name its results carry in the {@code
   * attack} column of every table.
   */
  public record NamedAttack(String name, AttackSpec spec) implements Serializable {}

  /** {@code sweep.prune}: options shared by every spec of the grid. */
  public record PruneOptions(boolean normalityGate, String include, String exclude)
      implements Serializable {}

  /** One entry of {@code sweep.transfer}. */
  public record TransferTarget(String name, String path) implements Serializable {}

  /** {@code sweep.engine}. */
  public record EngineConfig(int intraOpThreads, long shardCacheMb, MemoryFormat memoryFormat)
      implements Serializable {}

  /**
   * {@code sweep.engine.check}: the engine check every executor runs before it attacks.
   *
   * @param policy what a failed check does
   * @param settings the check's sample counts, step and tolerances
   */
  public record CheckConfig(CheckPolicy policy, EngineCheck.Settings settings)
      implements Serializable {}

  /**
   * Settings that are valid but probably not what was meant, one sentence each naming the keys;
   * {@code run} prints them before it starts.
   */
  public List<String> warnings() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < attacks.size(); i++) {
      String where = "sweep.attacks[" + i + "] ('" + attacks.get(i).name() + "'): alpha (";
      String keys = "; sweep.attack.alpha and .eps unless the entry sets its own): one";
      if (attacks.get(i).spec() instanceof PgdLinf p && p.alpha() > p.eps()) {
        out.add(
            where
                + p.alpha()
                + ") is larger than eps ("
                + p.eps()
                + keys
                + " step crosses the whole eps-ball, so the first step already jumps to its corner"
                + " (every pixel at +-eps) instead of searching inside it; PGD usually takes alpha"
                + " well below eps");
      }
      if (attacks.get(i).spec() instanceof PgdL2 p && p.alpha() > p.eps()) {
        out.add(
            where
                + p.alpha()
                + ") is larger than eps ("
                + p.eps()
                + keys
                + " step is longer than the L2 ball's radius, so the first step already lands on"
                + " its surface instead of searching inside it; PGD-L2 usually takes alpha well"
                + " below eps");
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
    findUnknownKeys(user.resolve(), reference, problems);
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
    checkTypes(config, reference, problems, badTypes);
    // A key of the wrong type is reported once, above; the blocks are then read with its default
    // in its place, so that the other keys' problems are reported in the same go.
    for (String path : badTypes) {
      if (reference.hasPath(path)) {
        config = config.withValue(path, reference.getValue(path));
      }
    }
    Config s = config.getConfig("sweep");
    String name = read(problems, () -> checkName(s.getString("name"), "sweep.name"));
    List<Long> seeds = read(problems, () -> seeds(s));
    ModelConfig model = read(problems, () -> model(s.getConfig("model")));
    DataConfig data = read(problems, () -> data(s.getConfig("data")));
    AttackOptions attack = read(problems, () -> attackOptions(s.getConfig("attack")));
    List<NamedAttack> attacks = read(problems, () -> attacks(s));
    PruneOptions prune = read(problems, () -> prune(s.getConfig("prune")));
    List<PruneSpec> grid =
        prune == null ? null : read(problems, () -> grid(s.getConfig("grid"), prune));
    List<TransferTarget> transfer = read(problems, () -> transfer(s));
    EngineConfig engine = read(problems, () -> engine(s.getConfig("engine")));
    CheckConfig check = read(problems, () -> check(s.getConfig("engine.check")));
    if (grid != null && transfer != null && grid.isEmpty() && transfer.isEmpty()) {
      problems.add(
          "sweep.grid is empty: enable sweep.grid.baseline or list values under one of"
              + " E, S, R, L1, L1G, LN1, LN2, RANDOM, Q, QC or composite");
    }
    if (!problems.isEmpty()) {
      throw problemsException(problems);
    }
    String rendered =
        s.root().render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
    String hash = sha256(s.root().render(ConfigRenderOptions.concise()));
    return new SweepConfig(
        name, seeds, model, data, attack, attacks, prune, grid, transfer, engine, check, rendered,
        hash);
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
      problems.add(withoutOrigin(e.getMessage()));
    } catch (IllegalArgumentException e) {
      problems.addAll(List.of(e.getMessage().split("; (?=sweep\\.|unknown key )")));
    }
    return null;
  }

  private static void findUnknownKeys(Config user, Config reference, List<String> problems) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith("sweep.")) {
        problems.add("unknown key " + key + " (every key lives under sweep.)");
        continue;
      }
      if (key.startsWith("sweep.transfer") || key.startsWith("sweep.attacks")) {
        continue; // a list of objects, checked entry by entry
      }
      if (!reference.hasPathOrNull(key)) {
        problems.add("unknown key " + key);
      }
    }
  }

  /**
   * Keys read as 64-bit integers; every other key whose default is an integer is read as a 32-bit
   * one.
   */
  private static final Set<String> LONG_KEYS =
      Set.of("sweep.data.limit", "sweep.engine.shard-cache-mb", "sweep.seeds");

  private static void checkTypes(
      Config config, Config reference, List<String> problems, Set<String> badTypes) {
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      String path = e.getKey();
      if (!path.startsWith("sweep.")
          || path.equals("sweep.transfer")
          || path.equals("sweep.attacks")
          || badTypes.stream().anyMatch(b -> path.equals(b) || path.startsWith(b + "."))) {
        continue; // reported by checkValid already
      }
      String problem;
      try {
        problem =
            switch (e.getValue().valueType()) {
              case NUMBER ->
                  e.getValue().unwrapped() instanceof Double
                      ? checkDouble(config, path)
                      : integerProblem(path, config.getNumber(path), LONG_KEYS.contains(path));
              case BOOLEAN -> checkBoolean(config, path);
              case STRING -> checkString(config, path);
              case LIST -> checkListType(config, path);
              default -> null;
            };
      } catch (ConfigException ex) {
        problem = withoutOrigin(ex.getMessage());
      }
      if (problem != null) {
        problems.add(problem);
        badTypes.add(path);
      }
    }
  }

  private static String checkDouble(Config config, String path) {
    config.getDouble(path);
    return null;
  }

  private static String checkBoolean(Config config, String path) {
    config.getBoolean(path);
    return null;
  }

  private static String checkString(Config config, String path) {
    config.getString(path);
    return null;
  }

  private static String checkListType(Config config, String path) {
    if (path.endsWith(".composite")) {
      config.getStringList(path);
    } else if (path.equals("sweep.seeds")) {
      List<Number> values = config.getNumberList(path);
      for (int i = 0; i < values.size(); i++) {
        String problem = integerProblem(path + "[" + i + "]", values.get(i), true);
        if (problem != null) {
          return problem;
        }
      }
    } else {
      config.getDoubleList(path);
    }
    return null;
  }

  /**
   * Why {@code value} is not an integer of the key's width, or null: Typesafe Config's getInt and
   * getLong truncate 2.5 to 2 without a word, and their range errors name the key without its
   * block.
   */
  static String integerProblem(String key, Number value, boolean wide) {
    double d = value.doubleValue();
    boolean integral =
        value instanceof Integer
            || value instanceof Long
            || (d == Math.rint(d) && !Double.isInfinite(d));
    if (!integral) {
      return key + " must be an integer, got " + value;
    }
    boolean fits =
        wide
            ? value instanceof Long || value instanceof Integer || (d >= -0x1p63 && d < 0x1p63)
            : value.longValue() >= Integer.MIN_VALUE
                && value.longValue() <= Integer.MAX_VALUE
                && d >= Integer.MIN_VALUE
                && d <= Integer.MAX_VALUE;
    if (!fits) {
      return key
          + " must be a "
          + (wide ? "64" : "32")
          + "-bit integer (at most "
          + (wide ? Long.MAX_VALUE : Integer.MAX_VALUE)
          + "), got "
          + value;
    }
    return null;
  }

  /** "String: 1: sweep.x has type..." -> "sweep.x has type...": the origin of --set is noise. */
  private static String withoutOrigin(String message) {
    int i = message.indexOf("sweep.");
    return i > 0 ? message.substring(i) : message;
  }

  private static String checkName(String value, String key) {
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          key + " must be letters, digits, '.', '_' or '-' (used in paths), got '" + value + "'");
    }
    return value;
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

  private static ModelConfig model(Config m) {
    List<String> errors = new ArrayList<>();
    String path = m.getString("path");
    if (path.isBlank()) {
      errors.add("sweep.model.path must name a TorchScript file");
    }
    int c = m.getInt("input.channels");
    int h = m.getInt("input.height");
    int w = m.getInt("input.width");
    if (c != 1 && c != 3) {
      errors.add("sweep.model.input.channels must be 1 or 3, got " + c);
    }
    if (h < 1 || w < 1) {
      errors.add("sweep.model.input.height and width must be >= 1, got " + h + "x" + w);
    }
    float[] mean = floats(m.getDoubleList("mean"));
    float[] std = floats(m.getDoubleList("std"));
    if (mean.length != c) {
      errors.add(
          "sweep.model.mean must have " + c + " values (one per channel), got " + mean.length);
    }
    if (std.length != c) {
      errors.add("sweep.model.std must have " + c + " values (one per channel), got " + std.length);
    }
    for (float v : std) {
      if (!(v > 0)) {
        errors.add("sweep.model.std values must be > 0, got " + v);
      }
    }
    int resize = m.getInt("resize");
    int crop = m.getInt("crop");
    if (resize < 0) {
      errors.add("sweep.model.resize must be >= 0, got " + resize);
    }
    if (crop < 0) {
      errors.add("sweep.model.crop must be >= 0, got " + crop);
    }
    if (crop > 0 && (crop != h || crop != w)) {
      errors.add("sweep.model.crop (" + crop + ") must equal the model input " + h + "x" + w);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new ModelConfig(
        path, new InputShape(c, h, w), new Normalization(mean, std), resize, crop);
  }

  private static DataConfig data(Config d) {
    String path = d.getString("path");
    long limit = d.getLong("limit");
    int shards = d.getInt("shards");
    List<String> errors = new ArrayList<>();
    if (path.isBlank()) {
      errors.add("sweep.data.path must name a dataset");
    }
    if (limit < 0) {
      errors.add("sweep.data.limit must be >= 0 (0 = all), got " + limit);
    }
    if (shards < 1) {
      errors.add("sweep.data.shards must be >= 1, got " + shards);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new DataConfig(path, limit, shards);
  }

  private static PruneOptions prune(Config p) {
    String include = regex(p.getString("include"), "sweep.prune.include");
    String exclude = regex(p.getString("exclude"), "sweep.prune.exclude");
    return new PruneOptions(p.getBoolean("normality-gate"), include, exclude);
  }

  private static String regex(String value, String key) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException(
          key + " is not a valid regular expression: " + e.getDescription());
    }
    return value;
  }

  /**
   * {@code sweep.grid}: the baseline, one single-step spec per value of each type's list (the keys
   * are the {@link PruneType} names: E, S, R, L1, L1G, LN1, LN2, RANDOM, Q, QC), then the
   * composites. Every bad value, composite and duplicate is reported, each under its key.
   */
  private static List<PruneSpec> grid(Config g, PruneOptions options) {
    List<PruneSpec> specs = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    if (g.getBoolean("baseline")) {
      specs.add(spec(List.of(), options));
    }
    for (PruneType type : PruneType.values()) {
      if (type == PruneType.NONE) {
        continue;
      }
      for (double v : g.getDoubleList(type.name())) {
        try {
          specs.add(spec(List.of(new PruneStep(type, v)), options));
        } catch (IllegalArgumentException e) {
          errors.add("sweep.grid." + type.name() + ": " + e.getMessage());
        }
      }
    }
    for (String c : g.getStringList("composite")) {
      try {
        specs.add(spec(parseComposite(c), options));
      } catch (IllegalArgumentException e) {
        errors.add("sweep.grid.composite entry '" + c + "': " + e.getMessage());
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    Set<String> twice = new LinkedHashSet<>();
    for (PruneSpec spec : specs) {
      if (!seen.add(spec.label())) {
        twice.add(spec.label());
      }
    }
    if (!twice.isEmpty()) {
      errors.add(
          "sweep.grid lists the same config twice: "
              + String.join(", ", twice)
              + " (a composite's steps are sorted, and 0.50 is 0.5)");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return List.copyOf(specs);
  }

  private static PruneSpec spec(List<PruneStep> steps, PruneOptions o) {
    return new PruneSpec(steps, o.include(), o.exclude(), o.normalityGate());
  }

  /** Parses "E=0.01+R=0.001" or "L1G=0.5+QC=8": TYPE=VALUE steps joined by '+'. */
  static List<PruneStep> parseComposite(String text) {
    List<PruneStep> steps = new ArrayList<>();
    for (String part : text.split("\\+")) {
      String[] kv = part.trim().split("=");
      if (kv.length != 2) {
        throw new IllegalArgumentException(
            "expected TYPE=VALUE[+TYPE=VALUE...], e.g. E=0.01+R=0.001 or L1=0.5+Q=8");
      }
      double value;
      try {
        value = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + kv[1].trim() + "' is not a number");
      }
      steps.add(new PruneStep(PruneType.parse(kv[0].trim()), value));
    }
    return steps;
  }

  private static AttackOptions attackOptions(Config a) {
    int batchSize = a.getInt("batch-size");
    if (batchSize < 1) {
      throw new IllegalArgumentException("sweep.attack.batch-size must be >= 1, got " + batchSize);
    }
    return new AttackOptions(batchSize);
  }

  /**
   * {@code sweep.attacks}: each entry is its type's keys, each one it does not set taken from the
   * shared {@code sweep.attack} block; problems name the key where the value came from.
   */
  private static List<NamedAttack> attacks(Config s) {
    List<? extends Config> entries;
    try {
      entries = s.getConfigList("attacks");
    } catch (ConfigException.WrongType e) {
      throw new IllegalArgumentException(
          "sweep.attacks must be a list of attack objects, e.g. [ { type = \"pgd-linf\" } ]");
    }
    Config shared = s.getConfig("attack").withoutPath("batch-size");
    Set<String> errors = new LinkedHashSet<>();
    List<NamedAttack> out = new ArrayList<>();
    if (entries.isEmpty()) {
      errors.add("sweep.attacks must list at least one attack");
    }
    for (int i = 0; i < entries.size(); i++) {
      Config e = entries.get(i);
      String at = "sweep.attacks[" + i + "]";
      if (!e.hasPath("type") || e.getValue("type").valueType() != ConfigValueType.STRING) {
        errors.add(at + ".type must name the attack, one of " + AttackSpec.TYPES);
        continue;
      }
      String type = e.getString("type");
      List<String> keys = AttackSpec.keys(type);
      if (keys == null) {
        errors.add(at + ".type must be one of " + AttackSpec.TYPES + ", got '" + type + "'");
        continue;
      }
      for (String key : e.root().keySet()) {
        if (!key.equals("name") && !keys.contains(key)) {
          errors.add(
              "unknown key "
                  + at
                  + "."
                  + key
                  + " (a "
                  + type
                  + " attack takes name, "
                  + String.join(", ", keys)
                  + ")");
        }
      }
      String name = type;
      if (e.hasPath("name")) {
        try {
          name = checkName(e.getString("name"), at + ".name");
        } catch (RuntimeException ex) {
          errors.add(
              ex instanceof ConfigException ? at + ".name must be a string" : ex.getMessage());
        }
      }
      if (name.equals("worst-case")) {
        errors.add(at + ".name 'worst-case' is reserved for the metrics over all attacks");
      }
      Config inherited = ConfigFactory.empty();
      for (String key : keys) {
        if (!key.equals("type") && shared.hasPath(key)) {
          inherited = inherited.withValue(key, shared.getValue(key));
        }
      }
      Config merged = e.withoutPath("name").withFallback(inherited);
      try {
        out.add(new NamedAttack(name, AttackSpec.from(merged, at)));
      } catch (ConfigException ex) {
        errors.add(inherited(withoutOrigin(ex.getMessage()), e, at, shared));
      } catch (IllegalArgumentException ex) {
        for (String problem : ex.getMessage().split("; (?=sweep\\.)")) {
          errors.add(inherited(problem, e, at, shared));
        }
      }
    }
    List<String> names = out.stream().map(NamedAttack::name).toList();
    if (names.stream().distinct().count() != names.size()) {
      errors.add("sweep.attacks names must be unique (name defaults to the type), got " + names);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return List.copyOf(out);
  }

  /** Names the shared block's key in a problem with a value the entry did not set itself. */
  private static String inherited(String problem, Config entry, String at, Config shared) {
    String out = problem;
    for (String key : shared.root().keySet()) {
      if (!entry.hasPath(key)) {
        out = out.replace(at + "." + key, "sweep.attack." + key);
      }
    }
    return out;
  }

  private static List<TransferTarget> transfer(Config s) {
    List<TransferTarget> out = new ArrayList<>();
    List<? extends Config> entries;
    try {
      entries = s.getConfigList("transfer");
    } catch (ConfigException.WrongType e) {
      throw new IllegalArgumentException("sweep.transfer must be a list of {name, path} objects");
    }
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Config t = entries.get(i);
      String at = "sweep.transfer[" + i + "]";
      for (String key : t.root().keySet()) {
        if (!key.equals("name") && !key.equals("path")) {
          errors.add("unknown key " + at + "." + key + " (expected name, path)");
        }
      }
      if (!t.hasPath("name")
          || !t.hasPath("path")
          || t.getValue("name").valueType() != ConfigValueType.STRING) {
        errors.add(at + " needs string keys name and path");
        continue;
      }
      try {
        out.add(
            new TransferTarget(checkName(t.getString("name"), at + ".name"), t.getString("path")));
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
    }
    if (out.stream().map(TransferTarget::name).distinct().count() != out.size()) {
      errors.add("sweep.transfer names must be unique");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return List.copyOf(out);
  }

  private static EngineConfig engine(Config e) {
    int threads = e.getInt("intra-op-threads");
    long cache = e.getLong("shard-cache-mb");
    List<String> errors = new ArrayList<>();
    if (threads < 0) {
      errors.add("sweep.engine.intra-op-threads must be >= 0, got " + threads);
    }
    if (cache < 0) {
      errors.add("sweep.engine.shard-cache-mb must be >= 0, got " + cache);
    }
    MemoryFormat format = null;
    try {
      format = MemoryFormat.parse("sweep.engine.memory-format", e.getString("memory-format"));
    } catch (IllegalArgumentException ex) {
      errors.add(ex.getMessage());
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new EngineConfig(threads, cache, format);
  }

  private static CheckConfig check(Config c) {
    String at = "sweep.engine.check.";
    List<String> errors = new ArrayList<>();
    CheckPolicy policy = null;
    try {
      policy = CheckPolicy.parse(at + "mode", c.getString("mode"));
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
    }
    int samples = c.getInt("samples");
    int directions = c.getInt("directions");
    double step = c.getDouble("step");
    double gradient = c.getDouble("gradient-tolerance");
    double logits = c.getDouble("logit-tolerance");
    if (samples < 1) {
      errors.add(at + "samples must be >= 1, got " + samples);
    }
    if (directions < 3) {
      errors.add(
          at + "directions must be >= 3 (sign(g), g and at least one random), got " + directions);
    }
    if (!(step > 0 && step <= 0.1)) {
      errors.add(at + "step must be in (0, 0.1], got " + step);
    }
    if (!(gradient > 0 && gradient < 1)) {
      errors.add(at + "gradient-tolerance must be in (0, 1), got " + gradient);
    }
    if (!(logits > 0 && logits < 1)) {
      errors.add(at + "logit-tolerance must be in (0, 1), got " + logits);
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return new CheckConfig(
        policy, new EngineCheck.Settings(samples, directions, step, gradient, logits));
  }

  private static float[] floats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
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

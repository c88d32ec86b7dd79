package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class AttackSpecTest {

  private static final String PATH = "sweep.attacks[1]";
  private static final String COMMON = "eps = 0.03, round-8bit = true, early-stop = false";
  private static final String PGD =
      COMMON + ", alpha = 0.003, steps = 10, random-start = true, restarts = 1";
  private static final String APGD = COMMON + ", steps = 100, restarts = 2, rho = 0.75";

  private static AttackSpec parse(String type, String keys) {
    return AttackSpec.from(entry(type, keys), PATH);
  }

  private static Config entry(String type, String keys) {
    return ConfigFactory.parseString("type = \"" + type + "\", " + keys);
  }

  @Test
  void readsEveryTypeWithItsKeys() {
    assertThat(parse("fgsm", COMMON)).isEqualTo(new Fgsm(0.03, true, false));
    assertThat(parse("pgd-linf", PGD))
        .isEqualTo(new Pgd("linf", 0.03, 0.003, 10, true, 1, true, false));
    assertThat(parse("pgd-l2", PGD.replace("eps = 0.03", "eps = 1.0")))
        .isEqualTo(new Pgd("l2", 1.0, 0.003, 10, true, 1, true, false));
    assertThat(parse("apgd-ce", APGD))
        .isEqualTo(new Apgd(Apgd.Loss.CE, 0.03, 100, 2, 0.75, true, false));
    assertThat(parse("apgd-dlr", APGD.replace("early-stop = false", "early-stop = true")))
        .isEqualTo(new Apgd(Apgd.Loss.DLR, 0.03, 100, 2, 0.75, true, true));
    assertThat(parse("apgd-t", APGD + ", targets = 9"))
        .isEqualTo(new ApgdT(0.03, 100, 2, 9, 0.75, true, false));
  }

  @Test
  void typeNormLabelAndPassesDescribeTheSpec() {
    AttackSpec pgd = parse("pgd-linf", PGD);
    assertThat(pgd.type()).isEqualTo("pgd-linf");
    assertThat(pgd.norm()).isEqualTo("linf");
    assertThat(pgd.eps()).isEqualTo(0.03);
    assertThat(pgd.label())
        .isEqualTo("pgd-linf eps=0.03 alpha=0.003 steps=10 restarts=1 random-start round-8bit");
    assertThat(pgd.passes()).isEqualTo(10);
    AttackSpec l2 = new Pgd("l2", 1.0, 0.25, 20, true, 3, false, true);
    assertThat(l2.norm()).isEqualTo("l2");
    assertThat(l2.label())
        .isEqualTo("pgd-l2 eps=1 alpha=0.25 steps=20 restarts=3 random-start early-stop");
    assertThat(l2.passes()).isEqualTo(60);
    AttackSpec apgd = parse("apgd-dlr", APGD);
    assertThat(apgd.type()).isEqualTo("apgd-dlr");
    assertThat(apgd.label())
        .isEqualTo("apgd-dlr eps=0.03 steps=100 restarts=2 rho=0.75 round-8bit");
    assertThat(apgd.passes()).isEqualTo(200);
    AttackSpec fgsm = new Fgsm(0.0001, false, false);
    assertThat(fgsm.label()).isEqualTo("fgsm eps=0.0001");
    assertThat(fgsm.passes()).isEqualTo(1);
    AttackSpec targeted = parse("apgd-t", APGD + ", targets = 9");
    assertThat(targeted.type()).isEqualTo("apgd-t");
    assertThat(targeted.norm()).isEqualTo("linf");
    assertThat(targeted.label())
        .isEqualTo("apgd-t eps=0.03 steps=100 restarts=2 targets=9 rho=0.75 round-8bit");
    assertThat(targeted.passes()).isEqualTo(1800);
  }

  @Test
  void whichAttacksHandTheEngineSmallerBatches() {
    // Later restarts (and targets) attack the samples still standing; early stop drops the fallen
    // once a pass has been made (FGSM makes one, PGD with one step has no pass after it).
    assertThat(new Fgsm(0.03, true, true).shrinksBatches()).isFalse();
    assertThat(new Pgd("linf", 0.03, 0.01, 10, true, 1, true, false).shrinksBatches()).isFalse();
    assertThat(new Pgd("linf", 0.03, 0.01, 10, true, 2, true, false).shrinksBatches()).isTrue();
    assertThat(new Pgd("linf", 0.03, 0.01, 10, true, 1, true, true).shrinksBatches()).isTrue();
    assertThat(new Pgd("l2", 1, 0.1, 1, true, 1, true, true).shrinksBatches()).isFalse();
    assertThat(new Apgd(Apgd.Loss.CE, 0.03, 10, 1, 0.75, true, false).shrinksBatches()).isFalse();
    assertThat(new Apgd(Apgd.Loss.CE, 0.03, 1, 1, 0.75, true, true).shrinksBatches()).isTrue();
    assertThat(new ApgdT(0.03, 10, 1, 1, 0.75, true, false).shrinksBatches()).isFalse();
    assertThat(new ApgdT(0.03, 10, 1, 2, 0.75, true, false).shrinksBatches()).isTrue();
  }

  @Test
  void lossesThatNeedMoreClassesSaySo() {
    assertThat(new Apgd(Apgd.Loss.CE, 0.03, 10, 1, 0.75, true, false).modelProblem(2)).isNull();
    assertThat(new Apgd(Apgd.Loss.DLR, 0.03, 10, 1, 0.75, true, false).modelProblem(2))
        .isEqualTo("apgd-dlr needs a model with at least 3 classes, the model has 2");
    assertThat(new Apgd(Apgd.Loss.DLR, 0.03, 10, 1, 0.75, true, false).modelProblem(3)).isNull();
    ApgdT nine = new ApgdT(0.03, 10, 1, 9, 0.75, true, false);
    assertThat(nine.modelProblem(10)).isNull();
    assertThat(nine.modelProblem(9))
        .isEqualTo(
            "apgd-t with targets = 9 needs a model with more than 9 classes, the model" + " has 9");
    assertThat(new ApgdT(0.03, 10, 1, 1, 0.75, true, false).modelProblem(3))
        .startsWith("apgd-t needs a model with at least 4 classes");
  }

  @Test
  void labelsTellApartSpecsThatDifferInAnyResultChangingKey() {
    AttackSpec a = new Pgd("linf", 0.03, 0.003, 10, true, 1, true, false);
    assertThat(a.label())
        .isNotEqualTo(new Pgd("linf", 0.03, 0.003, 10, true, 1, true, true).label());
    assertThat(a.label())
        .isNotEqualTo(new Pgd("linf", 0.03, 0.003, 10, false, 1, true, false).label());
    assertThat(a.label())
        .isNotEqualTo(new Pgd("linf", 0.03, 0.003, 10, true, 1, false, false).label());
    assertThat(new Apgd(Apgd.Loss.CE, 0.03, 10, 1, 0.75, false, false).label())
        .isNotEqualTo(new Apgd(Apgd.Loss.CE, 0.03, 10, 1, 0.5, false, false).label());
  }

  @Test
  void reportsEveryProblemAtOnceWithFullKeys() {
    assertThatThrownBy(
            () ->
                parse(
                    "pgd-linf",
                    "eps = 3.0, round-8bit = true, early-stop = false, alpha = 0, steps = 0,"
                        + " random-start = true, restarts = 0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "sweep.attacks[1].eps must be in (0, 1], got 3.0; "
                + "sweep.attacks[1].alpha must be > 0, got 0.0; "
                + "sweep.attacks[1].steps must be >= 1, got 0; "
                + "sweep.attacks[1].restarts must be >= 1, got 0");
  }

  @Test
  void anL2RadiusMayExceedOneButNotBeZero() {
    assertThat(
            parse(
                    "pgd-l2",
                    "eps = 3.0, alpha = 0.5, steps = 10, random-start = true,"
                        + " restarts = 1, round-8bit = true, early-stop = false")
                .eps())
        .isEqualTo(3.0);
    assertThatThrownBy(
            () ->
                parse(
                    "pgd-l2",
                    "eps = 0, alpha = 0.5, steps = 10, random-start = true, restarts = 1,"
                        + " round-8bit = true, early-stop = false"))
        .hasMessage(
            "sweep.attacks[1].eps must be > 0 (an L2 radius in [0, 1] pixel space)," + " got 0.0");
  }

  @Test
  void missingWrongTypedAndNonIntegerKeysAreNamed() {
    assertThatThrownBy(
            () ->
                parse(
                    "pgd-l2",
                    "eps = \"big\", round-8bit = 3, alpha = 0.1, steps = 2.5, random-start = true,"
                        + " restarts = 1"))
        .hasMessageContaining("sweep.attacks[1].eps must be a number, got STRING")
        .hasMessageContaining("sweep.attacks[1].round-8bit must be a boolean, got NUMBER")
        .hasMessageContaining("sweep.attacks[1].early-stop is missing")
        .hasMessageContaining("sweep.attacks[1].steps must be an integer, got 2.5")
        // one message per key: a wrong-typed eps is not also reported as out of range
        .satisfies(e -> assertThat(e.getMessage().split("; ")).hasSize(4));
  }

  private static final String SQUARE =
      "norm = linf, eps = 0.03, queries = 5000, p-init = 0.8, restarts = 1, round-8bit = true";

  @Test
  void readsSquare() {
    AttackSpec square = parse("square", SQUARE);
    assertThat(square).isEqualTo(new Square("linf", 0.03, 5000, 0.8, 1, true));
    assertThat(square.label())
        .isEqualTo("square norm=linf eps=0.03 queries=5000 p-init=0.8 restarts=1 round-8bit");
    assertThat(square.gradientFree()).isTrue();
    assertThat(square.passes()).isZero();
    assertThat(square.norm()).isEqualTo("linf");
    assertThat(parse("square", SQUARE.replace("norm = linf, eps = 0.03", "norm = l2, eps = 3")))
        .isEqualTo(new Square("l2", 3, 5000, 0.8, 1, true));
    assertThat(parse("pgd-linf", PGD).gradientFree()).isFalse();
  }

  @Test
  void squareNamesEachBadKey() {
    assertThatThrownBy(() -> parse("square", SQUARE.replace("queries = 5000", "queries = 0")))
        .hasMessage("sweep.attacks[1].queries must be >= 1, got 0");
    assertThatThrownBy(() -> parse("square", SQUARE.replace("p-init = 0.8", "p-init = 1.5")))
        .hasMessage("sweep.attacks[1].p-init must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> parse("square", SQUARE.replace("p-init = 0.8", "p-init = 0")))
        .hasMessage("sweep.attacks[1].p-init must be in (0, 1], got 0.0");
    assertThatThrownBy(() -> parse("square", SQUARE.replace("norm = linf", "norm = l1")))
        .hasMessage("sweep.attacks[1].norm must be one of linf, l2, got \"l1\"");
    assertThatThrownBy(() -> parse("square", SQUARE.replace("eps = 0.03", "eps = 3")))
        .hasMessage("sweep.attacks[1].eps must be in (0, 1], got 3.0");
    assertThatThrownBy(() -> parse("square", SQUARE + ", early-stop = true"))
        .hasMessageContaining("sweep.attacks[1].early-stop is not a key of type square");
    assertThatThrownBy(() -> new Square("linf", 0.03, -1, 0.8, 1, true))
        .hasMessage("square.queries must be >= 1, got -1");
  }

  private static final String FAB =
      "norm = linf, eps = 0.03, steps = 100, targets = 9, restarts = 1, round-8bit = true";

  @Test
  void readsFabT() {
    AttackSpec fab = parse("fab-t", FAB);
    assertThat(fab).isEqualTo(new FabT("linf", 0.03, 100, 9, 1, true));
    assertThat(fab.label())
        .isEqualTo("fab-t norm=linf eps=0.03 steps=100 targets=9 restarts=1 round-8bit");
    assertThat(fab.passes()).isEqualTo(900);
    assertThat(fab.gradientFree()).isFalse();
    assertThat(fab.earlyStop()).isFalse();
    assertThat(fab.shrinksBatches()).isTrue();
    assertThat(parse("fab-t", FAB.replace("norm = linf, eps = 0.03", "norm = l2, eps = 3")))
        .isEqualTo(new FabT("l2", 3, 100, 9, 1, true));
  }

  @Test
  void iterationsAreAGradientAttacksStepsOrSquaresQueriesAndNoneForAutoAttack() {
    assertThat(parse("fgsm", COMMON).iterations()).isEqualTo(1);
    assertThat(parse("pgd-linf", PGD).iterations()).isEqualTo(10);
    assertThat(parse("apgd-ce", APGD).iterations()).isEqualTo(100);
    assertThat(parse("apgd-t", APGD + ", targets = 9").iterations()).isEqualTo(100);
    assertThat(parse("fab-t", FAB.replace("steps = 100", "steps = 7")).iterations()).isEqualTo(7);
    assertThat(parse("square", SQUARE).iterations()).isEqualTo(5000);
    assertThat(new AutoAttack("linf", 0.03, true).iterations()).isZero();
  }

  @Test
  void fabTReportsEveryBadKeyAtOnce() {
    assertThatThrownBy(
            () ->
                parse(
                    "fab-t",
                    FAB.replace("norm = linf", "norm = l1")
                            .replace("steps = 100", "steps = 0")
                            .replace("targets = 9", "targets = 0")
                            .replace("restarts = 1", "restarts = -2")
                        + ", queries = 10"))
        .hasMessage(
            "sweep.attacks[1].queries is not a key of type fab-t (its keys: type, norm, eps, steps,"
                + " targets, restarts, round-8bit); "
                + "sweep.attacks[1].norm must be one of linf, l2, got \"l1\"; "
                + "sweep.attacks[1].steps must be >= 1, got 0; "
                + "sweep.attacks[1].targets must be >= 1, got 0; "
                + "sweep.attacks[1].restarts must be >= 1, got -2");
    assertThatThrownBy(() -> parse("fab-t", FAB.replace("eps = 0.03", "eps = 3")))
        .hasMessage("sweep.attacks[1].eps must be in (0, 1], got 3.0");
    assertThatThrownBy(() -> new FabT("linf", 0.03, 100, 9, 0, false))
        .hasMessage("fab-t.restarts must be >= 1, got 0");
  }

  @Test
  void fabTNeedsMoreClassesThanTargets() {
    FabT fab = new FabT("l2", 0.5, 10, 9, 1, false);
    assertThat(fab.modelProblem(10)).isNull();
    assertThat(fab.modelProblem(9))
        .isEqualTo(
            "fab-t with targets = 9 needs a model with more than 9 classes, the model has 9");
  }

  @Test
  void readsAutoAttackWhoseMembersAreFixed() {
    AttackSpec aa = parse("autoattack", "norm = linf, eps = 0.03, round-8bit = true");
    assertThat(aa).isEqualTo(new AutoAttack("linf", 0.03, true));
    assertThat(aa.label())
        .isEqualTo("autoattack norm=linf eps=0.03 members=apgd-ce,apgd-t,fab-t,square round-8bit");
    assertThat(((AutoAttack) aa).members())
        .containsExactly(
            new Apgd(Apgd.Loss.CE, 0.03, 100, 1, 0.75, true, true),
            new ApgdT(0.03, 100, 1, 9, 0.75, true, true),
            new FabT("linf", 0.03, 100, 9, 1, true),
            new Square("linf", 0.03, 5000, 0.8, 1, true));
    assertThat(aa.passes()).isEqualTo(1900);
    assertThat(aa.modelProblem(10)).isNull();
    assertThat(aa.modelProblem(9)).startsWith("autoattack's member apgd-t with targets = 9");
  }

  @Test
  void autoAttackTakesNoMembersKeys() {
    assertThatThrownBy(
            () -> parse("autoattack", "norm = linf, eps = 0.03, round-8bit = true, queries = 10"))
        .hasMessage(
            "sweep.attacks[1].queries is not a key of type autoattack (its keys: type, norm, eps,"
                + " round-8bit)");
    assertThatThrownBy(() -> parse("autoattack", "norm = l2, eps = 0.5, round-8bit = true"))
        .hasMessageContaining("sweep.attacks[1].norm must be linf");
  }

  @Test
  void unknownTypeListsTheAllowedTypes() {
    assertThatThrownBy(() -> parse("cw", COMMON))
        .hasMessage(
            "sweep.attacks[1].type must be one of fgsm, pgd-linf, pgd-l2, apgd-ce, apgd-dlr,"
                + " apgd-t, square, fab-t, autoattack, got \"cw\"");
    assertThatThrownBy(() -> AttackSpec.from(ConfigFactory.parseString("eps = 0.1"), PATH))
        .hasMessage("sweep.attacks[1].type is missing");
  }

  @Test
  void keysOfAnotherTypeAreRejected() {
    assertThatThrownBy(() -> parse("apgd-ce", APGD + ", alpha = 0.01"))
        .hasMessageContaining(
            "sweep.attacks[1].alpha is not a key of type apgd-ce (its keys: type, eps, steps,"
                + " restarts, rho, round-8bit, early-stop)");
    assertThatThrownBy(() -> parse("fgsm", COMMON + ", steps = 1"))
        .hasMessageContaining("sweep.attacks[1].steps is not a key of type fgsm");
  }

  @Test
  void anUnknownKeyIsReportedOnceAndNotValidated() {
    // Issue 23: {type=fgsm, steps=0, bogus=1} has two problems, not four or five.
    String fgsmKeys = " is not a key of type fgsm (its keys: type, eps, round-8bit, early-stop)";
    assertThatThrownBy(() -> parse("fgsm", COMMON + ", steps = 0, bogus = 1"))
        .hasMessage("sweep.attacks[1].bogus" + fgsmKeys + "; sweep.attacks[1].steps" + fgsmKeys);
  }

  @Test
  void everyProblemIsReportedExactlyOnce() {
    assertThatThrownBy(
            () ->
                parse(
                    "apgd-t",
                    APGD.replace("eps = 0.03", "eps = \"big\"").replace("steps = 100", "steps = 0")
                        + ", targets = 0, alpha = 0.1"))
        .hasMessage(
            "sweep.attacks[1].alpha is not a key of type apgd-t (its keys: type, eps, steps,"
                + " restarts, targets, rho, round-8bit, early-stop); "
                + "sweep.attacks[1].eps must be a number, got STRING; "
                + "sweep.attacks[1].steps must be >= 1, got 0; "
                + "sweep.attacks[1].targets must be >= 1, got 0");
  }

  @Test
  void apgdRhoMustBeAFraction() {
    assertThatThrownBy(() -> parse("apgd-dlr", APGD.replace("rho = 0.75", "rho = 1")))
        .hasMessage("sweep.attacks[1].rho must be in (0, 1), got 1.0");
    assertThatThrownBy(() -> parse("apgd-ce", APGD.replace("rho = 0.75", "rho = 0")))
        .hasMessage("sweep.attacks[1].rho must be in (0, 1), got 0.0");
  }

  @Test
  void restartsWithoutRandomStartWouldRepeatThemselves() {
    assertThatThrownBy(
            () ->
                parse(
                    "pgd-linf",
                    PGD.replace("random-start = true", "random-start = false")
                        .replace("restarts = 1", "restarts = 3")))
        .hasMessage(
            "sweep.attacks[1].restarts must be 1 when random-start is false (every restart would"
                + " repeat the first), got 3");
  }

  @Test
  void constructorsValidateWithTheTypeAsPrefix() {
    assertThatThrownBy(() -> new Pgd("linf", 0.03, -1, 10, true, 1, true, false))
        .hasMessage("pgd-linf.alpha must be > 0, got -1.0");
    assertThatThrownBy(() -> new Fgsm(1.5, false, false))
        .hasMessage("fgsm.eps must be in (0, 1], got 1.5");
    assertThatThrownBy(() -> new Apgd(Apgd.Loss.DLR, 0.03, 0, 1, 0.75, false, false))
        .hasMessage("apgd-dlr.steps must be >= 1, got 0");
    assertThatThrownBy(() -> new ApgdT(0.03, 10, 1, 0, 0.75, false, false))
        .hasMessage("apgd-t.targets must be >= 1, got 0");
    assertThatThrownBy(() -> parse("apgd-t", APGD + ", targets = 0, alpha = 1"))
        .hasMessageContaining("sweep.attacks[1].targets must be >= 1, got 0")
        .hasMessageContaining("sweep.attacks[1].alpha is not a key of type apgd-t");
  }

  @Test
  void specsSurviveJavaSerialization() throws IOException, ClassNotFoundException {
    AttackSpec spec = new Apgd(Apgd.Loss.DLR, 0.03, 100, 2, 0.75, true, false);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(spec);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isEqualTo(spec);
    }
  }

  /**
   * SpecReader fills a record's last components from its KEYS after "type", by position: each such
   * component must be its key in camel case ("round-8bit" is round8bit), in the same order.
   */
  @Test
  void everyEntrysKeysNameItsRecordsLastComponentsInOrder() {
    java.util.Map<Class<? extends Record>, java.util.List<String>> entries =
        java.util.Map.of(
            Fgsm.class, Fgsm.KEYS,
            Pgd.class, Pgd.KEYS,
            Apgd.class, Apgd.KEYS,
            ApgdT.class, ApgdT.KEYS,
            Square.class, Square.KEYS,
            FabT.class, FabT.KEYS,
            AutoAttack.class, AutoAttack.KEYS);
    entries.forEach(
        (type, keys) -> {
          java.util.List<String> read =
              keys.subList(1, keys.size()).stream().map(AttackSpecTest::camel).toList();
          java.util.List<String> components =
              java.util.Arrays.stream(type.getRecordComponents())
                  .map(java.lang.reflect.RecordComponent::getName)
                  .toList();
          assertThat(components.subList(components.size() - read.size(), components.size()))
              .as(type.getSimpleName())
              .isEqualTo(read);
        });
  }

  private static String camel(String key) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : key.toCharArray()) {
      if (c == '-') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }
}

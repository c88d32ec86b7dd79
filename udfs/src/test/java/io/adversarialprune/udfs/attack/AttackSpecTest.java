package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.udfs.config.ConfigProblems;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The specs and their registry: what each record says of itself, and what {@link AttackType}
 * derives from the records. (Reading entries from HOCON: the job's {@code AttackSpecReaderTest}.)
 */
class AttackSpecTest {

  /** A problem sink that fails the test. */
  private static final ConfigProblems NONE =
      (key, line) -> {
        throw new AssertionError("unexpected problem: " + line.apply(key));
      };

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
  void iterationsAreAGradientAttacksStepsOrSquaresQueriesAndNoneForAutoAttack() {
    assertThat(new Fgsm(0.03, true, true).iterations()).isEqualTo(1);
    assertThat(new Pgd("linf", 0.03, 0.01, 10, true, 1, true, false).iterations()).isEqualTo(10);
    assertThat(new Apgd(Apgd.Loss.CE, 0.03, 100, 1, 0.75, true, false).iterations()).isEqualTo(100);
    assertThat(new ApgdT(0.03, 100, 1, 9, 0.75, true, false).iterations()).isEqualTo(100);
    assertThat(new FabT("linf", 0.03, 7, 9, 1, true).iterations()).isEqualTo(7);
    assertThat(new Square("linf", 0.03, 5000, 0.8, 1, true).iterations()).isEqualTo(5000);
    assertThat(new AutoAttack("linf", 0.03, true).iterations()).isZero();
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

  @Test
  void theRegistryNamesEveryTypeOnce() {
    assertThat(AttackType.types())
        .containsExactly(
            "fgsm",
            "pgd-linf",
            "pgd-l2",
            "apgd-ce",
            "apgd-dlr",
            "apgd-t",
            "square",
            "fab-t",
            "autoattack");
    assertThat(AttackType.of("pgd-l2")).isEqualTo(AttackType.PGD_L2);
    assertThat(AttackType.of("cw")).isNull();
  }

  /**
   * An entry's keys are its record's components in kebab case, in their order, less those the type
   * name fixes; users read these lists in "is not a key of type" messages.
   */
  @Test
  void everyTypesKeysAreItsRecordsComponentsInKebabCase() {
    Map<AttackType, List<String>> keys = new HashMap<>();
    keys.put(AttackType.FGSM, List.of("type", "eps", "round-8bit", "early-stop"));
    List<String> pgd =
        List.of(
            "type",
            "eps",
            "alpha",
            "steps",
            "random-start",
            "restarts",
            "round-8bit",
            "early-stop");
    keys.put(AttackType.PGD_LINF, pgd);
    keys.put(AttackType.PGD_L2, pgd);
    List<String> apgd =
        List.of("type", "eps", "steps", "restarts", "rho", "round-8bit", "early-stop");
    keys.put(AttackType.APGD_CE, apgd);
    keys.put(AttackType.APGD_DLR, apgd);
    keys.put(
        AttackType.APGD_T,
        List.of("type", "eps", "steps", "restarts", "targets", "rho", "round-8bit", "early-stop"));
    keys.put(
        AttackType.SQUARE,
        List.of("type", "norm", "eps", "queries", "p-init", "restarts", "round-8bit"));
    keys.put(
        AttackType.FAB_T,
        List.of("type", "norm", "eps", "steps", "targets", "restarts", "round-8bit"));
    keys.put(AttackType.AUTOATTACK, List.of("type", "norm", "eps", "round-8bit"));
    assertThat(keys).hasSize(AttackType.values().length);
    keys.forEach((type, expected) -> assertThat(type.keys()).as(type.type()).isEqualTo(expected));
    assertThat(AttackType.SQUARE.valueType("p-init")).isEqualTo(double.class);
    assertThat(AttackType.SQUARE.valueType("norm")).isEqualTo(String.class);
    assertThat(AttackType.FGSM.valueType("steps")).isNull();
  }

  @Test
  void aComponentsKeyIsItsNameInKebabCase() {
    assertThat(SpecReader.key("eps")).isEqualTo("eps");
    assertThat(SpecReader.key("pInit")).isEqualTo("p-init");
    assertThat(SpecReader.key("randomStart")).isEqualTo("random-start");
    assertThat(SpecReader.key("round8bit")).isEqualTo("round-8bit");
  }

  @Test
  void makeFillsComponentsByNameAndTheTypeFixesTheRest() {
    Map<String, Object> values = new HashMap<>();
    values.put("eps", 0.03);
    values.put("alpha", 0.003);
    values.put("steps", 10);
    values.put("random-start", true);
    values.put("restarts", 1);
    values.put("round-8bit", true);
    values.put("early-stop", false);
    values.put("rho", 0.75);
    values.put("targets", 9);
    values.put("norm", "l2");
    values.put("queries", 5000);
    values.put("p-init", 0.8);
    assertThat(AttackType.PGD_L2.make(values, NONE))
        .isEqualTo(new Pgd("l2", 0.03, 0.003, 10, true, 1, true, false));
    assertThat(AttackType.APGD_DLR.make(values, NONE))
        .isEqualTo(new Apgd(Apgd.Loss.DLR, 0.03, 10, 1, 0.75, true, false));
    assertThat(AttackType.SQUARE.make(values, NONE))
        .isEqualTo(new Square("l2", 0.03, 5000, 0.8, 1, true));
    for (AttackType type : AttackType.values()) {
      values.put("norm", "linf");
      assertThat(type.make(values, NONE).type()).as(type.name()).isEqualTo(type.type());
    }
  }

  @Test
  void makeReportsWhatTheRecordRejectsByBareKey() {
    Map<String, Object> values = new HashMap<>();
    values.put("eps", 3.0);
    values.put("round-8bit", true);
    values.put("early-stop", false);
    List<String> problems = new ArrayList<>();
    assertThat(AttackType.FGSM.make(values, (key, line) -> problems.add(line.apply(key)))).isNull();
    assertThat(problems).containsExactly("eps must be in (0, 1], got 3.0");
    values.remove("eps");
    assertThatThrownBy(() -> AttackType.FGSM.make(values, NONE))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("eps");
  }
}

package io.adversarialprune.udfs.attack;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.model.Classifier;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The autoattack cascade is exactly the per-sample minimum of its members, each run alone; its
 * distances are the smallest adversarial norm its members found.
 */
class CascadeTest {

  private static final JsonObject IN = Fixtures.expected();
  private static final int[] LABELS = Fixtures.ints(IN.get("labels"));
  private static final float[] X = Fixtures.floats(IN.get("x"));
  private static final long[] IDS = Fixtures.ids(LABELS.length);
  private static Classifier model;

  @BeforeAll
  static void load() {
    model = Fixtures.loadTiny();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.05, 0.12})
  void robustExactlyWhereEveryMemberAloneFailsAndBrokenByTheFirstThatBreaks(double eps) {
    // Small budgets, so that each member leaves work for the next one.
    List<AttackSpec> members =
        List.of(
            new Fgsm(eps, true, false),
            new Apgd(Apgd.Loss.CE, eps, 5, 1, 0.75, true, true),
            new FabT("linf", eps, 10, 2, 1, true),
            new Square("linf", eps, 200, 0.8, 1, true));
    List<SampleOutcome> cascade =
        new JudgedAttack(new CascadeAttack(members))
            .run(model, null, 5, IDS, LABELS, X, null, 0, null)
            .samples();
    boolean[][] memberRobust = new boolean[members.size()][];
    float[] fabAlone = null;
    for (int m = 0; m < members.size(); m++) {
      List<SampleOutcome> alone =
          new JudgedAttack(members.get(m).attack())
              .run(model, null, 5, IDS, LABELS, X, null, 0, null)
              .samples();
      memberRobust[m] = new boolean[LABELS.length];
      for (int i = 0; i < LABELS.length; i++) {
        memberRobust[m][i] = alone.get(i).advCorrect();
      }
      if (members.get(m) instanceof FabT) {
        fabAlone = new float[LABELS.length];
        for (int i = 0; i < LABELS.length; i++) {
          fabAlone[i] = alone.get(i).minDistance();
        }
      }
      long memberRemnant = alone.stream().filter(SampleOutcome::advCorrect).count();
      assertThat(cascade.stream().filter(SampleOutcome::advCorrect).count())
          .as("cascade remnant <= %s's", members.get(m).type())
          .isLessThanOrEqualTo(memberRemnant);
    }
    for (int i = 0; i < LABELS.length; i++) {
      SampleOutcome o = cascade.get(i);
      boolean robust = o.correct();
      String first = null;
      for (int m = 0; m < members.size(); m++) {
        robust &= memberRobust[m][i];
        if (o.correct() && first == null && !memberRobust[m][i]) {
          first = members.get(m).type();
        }
      }
      assertThat(o.advCorrect()).as("sample %d", i).isEqualTo(robust);
      assertThat(o.brokenBy()).as("sample %d", i).isEqualTo(first);
      if (o.advCorrect() || !o.correct()) {
        assertThat(o.linf()).as("unbroken samples keep their clean image").isZero();
      }
      // The smallest adversarial found: FAB-T's own (beyond eps too) where it ran, else the norm
      // of the image of the member that broke the sample; 0 before the attack; NaN for none.
      int fab = 2;
      int breaker = first == null ? members.size() : members.indexOf(byType(members, first));
      float expected = !o.correct() ? 0f : Float.NaN;
      if (o.correct() && breaker >= fab && !Float.isNaN(fabAlone[i])) {
        expected = fabAlone[i];
      }
      if (breaker < members.size() && breaker != fab) {
        expected = Float.isNaN(expected) ? o.linf() : Math.min(expected, o.linf());
      }
      assertThat(o.minDistance()).as("sample %d distance", i).isEqualTo(expected);
    }
  }

  private static AttackSpec byType(List<AttackSpec> members, String type) {
    return members.stream().filter(m -> m.type().equals(type)).findFirst().orElseThrow();
  }
}

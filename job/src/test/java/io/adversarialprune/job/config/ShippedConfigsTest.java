package io.adversarialprune.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.udfs.attack.Pgd;
import java.io.File;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every sweep shipped in conf/ parses and validates; seed-table is the study's exact grid. */
class ShippedConfigsTest {
  private static final File CONF = new File("../conf");

  @Test
  void defaultSweepIsShapedLikeTheStudysTable() {
    SweepConfig c = SweepConfig.load(new File(CONF, "default.conf"), List.of());
    assertThat(c.name()).isEqualTo("default");
    assertThat(c.data().limit()).isEqualTo(1000);
    assertThat(c.grid().get(0).label()).isEqualTo("baseline");
    assertThat(labels(c))
        .anyMatch(l -> l.startsWith("E="))
        .anyMatch(l -> l.startsWith("S="))
        .anyMatch(l -> l.startsWith("R="));
  }

  @Test
  void seedTableIsTheStudysExactGridAndTorchsPruneKinds() {
    SweepConfig c = SweepConfig.load(new File(CONF, "seed-table.conf"), List.of());
    assertThat(labels(c))
        .containsExactly(
            "baseline",
            "E=0.00001",
            "E=0.0001",
            "E=0.001",
            "E=0.005",
            "E=0.007",
            "E=0.01",
            "E=0.02",
            "E=0.05",
            "S=9",
            "S=7",
            "S=5",
            "S=3",
            "R=0.001",
            "R=0.01",
            "R=0.1",
            "L1=0.3",
            "L1=0.5",
            "L1G=0.3",
            "L1G=0.5",
            "L1G=0.7",
            "LN2=0.1",
            "LN2=0.2",
            "RANDOM=0.1",
            "RANDOM=0.3",
            "Q=8",
            "QC=8");
    // the study's PGD as the one attack
    assertThat(c.attacks()).singleElement().extracting(NamedAttack::spec).isEqualTo(pgd(c));
    assertThat(pgd(c).eps()).isEqualTo(0.03);
    assertThat(pgd(c).alpha()).isEqualTo(0.001);
    assertThat(pgd(c).steps()).isEqualTo(10);
    assertThat(c.model().input().channels()).isEqualTo(3);
    assertThat(c.model().resize()).isEqualTo(256);
    assertThat(c.model().crop()).isEqualTo(224);
    assertThat(c.model().normalization().mean()).containsExactly(0.485f, 0.456f, 0.406f);
    assertThat(c.transfer()).extracting(TransferTarget::name).containsExactly("int8");
  }

  @Test
  void torchPruneSweepsTheTorchKindsUnderTheDefaultsAttack() {
    SweepConfig c = SweepConfig.load(new File(CONF, "torch-prune.conf"), List.of());
    SweepConfig d = SweepConfig.load(new File(CONF, "default.conf"), List.of());
    List<String> want = new java.util.ArrayList<>(List.of("baseline"));
    for (String type : List.of("L1", "L1G", "LN1", "LN2", "RANDOM")) {
      for (String amount : List.of("0.1", "0.3", "0.5", "0.7", "0.9")) {
        want.add(type + "=" + amount);
      }
    }
    want.addAll(List.of("Q=8", "QC=8"));
    assertThat(labels(c)).containsExactlyElementsOf(want);
    assertThat(c.name()).isEqualTo("torch-prune");
    assertThat(c.attack()).isEqualTo(d.attack());
    assertThat(c.model()).usingRecursiveComparison().isEqualTo(d.model());
    assertThat(c.data()).isEqualTo(d.data());
  }

  @Test
  void attacksSweepComparesSixAttacksAtTheDefaultsRadius() {
    SweepConfig c = SweepConfig.load(new File(CONF, "attacks.conf"), List.of());
    assertThat(c.attacks())
        .extracting(NamedAttack::name)
        .containsExactly("fgsm", "pgd", "apgd-ce", "apgd-dlr", "apgd-ce-100", "apgd-t");
    assertThat(c.attacks()).allSatisfy(a -> assertThat(a.spec().eps()).isEqualTo(0.03));
    // PGD and the APGDs at the same budget, one APGD-CE at ten times it, APGD-T at it per target
    assertThat(c.attacks())
        .extracting(a -> a.spec().passes())
        .containsExactly(1, 10, 10, 10, 100, 90);
    assertThat(labels(c)).containsExactly("baseline", "S=2");
  }

  @Test
  void anatomyMeasuresLayersUnderTheDefaultsAttack() {
    SweepConfig c = SweepConfig.load(new File(CONF, "anatomy.conf"), List.of());
    SweepConfig d = SweepConfig.load(new File(CONF, "default.conf"), List.of());
    assertThat(c.anatomy()).isTrue();
    assertThat(d.anatomy()).isFalse();
    assertThat(labels(c)).startsWith("baseline");
    assertThat(c.attack()).isEqualTo(d.attack());
    assertThat(c.attacks()).isEqualTo(d.attacks());
    assertThat(c.data()).isEqualTo(d.data());
  }

  @Test
  void autoAttackSweepRunsTheEnsemblePgdAndSquareAtTheDefaultsRadius() {
    SweepConfig c = SweepConfig.load(new File(CONF, "autoattack.conf"), List.of());
    assertThat(c.attacks())
        .extracting(NamedAttack::name)
        .containsExactly("autoattack", "pgd", "apgd-ce-100", "square");
    assertThat(c.attacks()).allSatisfy(a -> assertThat(a.spec().eps()).isEqualTo(0.03));
    assertThat(c.attacks().get(0).spec().label())
        .isEqualTo("autoattack norm=linf eps=0.03 members=apgd-ce,apgd-t,fab-t,square round-8bit");
    assertThat(labels(c)).containsExactly("baseline", "E=0.02", "S=3", "S=2", "R=0.01", "Q=4");
  }

  @Test
  void nightlyExtendsTheDefaultWithSeeds() {
    SweepConfig c = SweepConfig.load(new File(CONF, "nightly.conf"), List.of());
    assertThat(c.name()).isEqualTo("nightly");
    assertThat(c.seeds()).hasSize(3);
    assertThat(c.grid()).hasSizeGreaterThan(5);
  }

  @Test
  void laterSetOverridesEarlierOnesAndTheFile() {
    SweepConfig c =
        SweepConfig.load(
            new File(CONF, "default.conf"),
            List.of("sweep.grid.E=[]", "sweep.grid.E=[0.5]", "sweep.attack.eps=0.2"));
    assertThat(labels(c)).contains("E=0.5").doesNotContain("E=0.001");
    assertThat(pgd(c).eps()).isEqualTo(0.2);
  }

  static Pgd pgd(SweepConfig c) {
    return (Pgd) c.attacks().get(0).spec();
  }

  private static List<String> labels(SweepConfig c) {
    return c.grid().stream().map(GridEntry::label).toList();
  }
}

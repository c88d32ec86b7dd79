package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.config.ConfigProblems;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of attack types, the one list of them: each value of an entry's {@code type}, the
 * record that holds its parameters and what the type name itself fixes of that record (PGD's norm,
 * APGD's loss). Everything else is derived from the record: an entry's keys are {@code type} and
 * the record's other components in kebab case, in their order ({@code pInit} is {@code p-init}),
 * and a spec is made by component name ({@link #make}).
 *
 * <p>Adding an attack: its record (implementing {@link AttackSpec}, its compact constructor
 * checking its values), its algorithm ({@link Attack}), one constant here, in the job's {@code
 * reference.conf} its line in the list of types and the default of any new key, and
 * docs/ATTACKS.md.
 */
public enum AttackType {
  FGSM(Fgsm.TYPE, Fgsm.class, Map.of()),
  PGD_LINF("pgd-linf", Pgd.class, Map.of("norm", "linf")),
  PGD_L2("pgd-l2", Pgd.class, Map.of("norm", "l2")),
  APGD_CE(Apgd.Loss.CE.type(), Apgd.class, Map.of("loss", Apgd.Loss.CE)),
  APGD_DLR(Apgd.Loss.DLR.type(), Apgd.class, Map.of("loss", Apgd.Loss.DLR)),
  APGD_T(ApgdT.TYPE, ApgdT.class, Map.of()),
  SQUARE(Square.TYPE, Square.class, Map.of()),
  FAB_T(FabT.TYPE, FabT.class, Map.of()),
  AUTOATTACK(AutoAttack.TYPE, AutoAttack.class, Map.of());

  /** The key that names the type. */
  public static final String TYPE_KEY = "type";

  private final String type;
  private final Class<? extends Record> record;
  private final Map<String, ?> fixed;
  private final Map<String, Class<?>> kinds = new LinkedHashMap<>();

  <T extends Record & AttackSpec> AttackType(String type, Class<T> record, Map<String, ?> fixed) {
    this.type = type;
    this.record = record;
    this.fixed = fixed;
    for (RecordComponent c : record.getRecordComponents()) {
      if (!fixed.containsKey(c.getName())) {
        kinds.put(SpecReader.key(c.getName()), c.getType());
      }
    }
  }

  /** The value of {@code type}, e.g. {@code "pgd-linf"}. */
  public String type() {
    return type;
  }

  /** Every type's {@link #type()}, in declaration order. */
  public static List<String> types() {
    return Arrays.stream(values()).map(AttackType::type).toList();
  }

  /** The type whose {@link #type()} is {@code type}, or null when there is none. */
  public static AttackType of(String type) {
    for (AttackType t : values()) {
      if (t.type.equals(type)) {
        return t;
      }
    }
    return null;
  }

  /** The keys an entry of this type takes: {@code type}, then its record's, in their order. */
  public List<String> keys() {
    List<String> out = new ArrayList<>();
    out.add(TYPE_KEY);
    out.addAll(kinds.keySet());
    return out;
  }

  /**
   * What {@code key}'s value is: {@code String.class}, {@code double.class}, {@code int.class} or
   * {@code boolean.class}; null for {@code type} and for a key the type does not take.
   */
  public Class<?> valueType(String key) {
    return kinds.get(key);
  }

  /**
   * The spec of this type with {@code values}, one for each key but {@code type} (of its {@link
   * #valueType}). The record checks them; what it rejects is reported to {@code problems} under its
   * key, and the result is then null.
   *
   * @throws IllegalStateException when a key has no value
   */
  public AttackSpec make(Map<String, ?> values, ConfigProblems problems) {
    return (AttackSpec) SpecReader.make(record, fixed, values, problems);
  }
}

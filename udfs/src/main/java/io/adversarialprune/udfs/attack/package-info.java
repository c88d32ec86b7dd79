/**
 * The attacks of the sweep's attack axis: typed specs ({@link
 * io.adversarialprune.udfs.attack.AttackSpec}: FGSM, PGD L-infinity and L2, APGD-CE, APGD-DLR and
 * APGD-T) and their executor-side algorithms ({@link io.adversarialprune.udfs.attack.Attack}),
 * white-box or transfer, with per-sample seeded random starts; no Spark, no pruning.
 */
package io.adversarialprune.udfs.attack;

/**
 * The attacks of the sweep's attack axis: typed specs ({@link
 * io.adversarialprune.udfs.attack.AttackSpec}: FGSM, PGD L-infinity and L2, APGD-CE, APGD-DLR and
 * APGD-T) and their executor-side algorithms ({@link io.adversarialprune.udfs.attack.Attack}), with
 * per-sample seeded random starts, judged white-box or on a transfer target ({@link
 * io.adversarialprune.udfs.attack.JudgedAttack}); no Spark, no pruning.
 */
package io.adversarialprune.udfs.attack;

/**
 * The study's L-infinity PGD, white-box or transfer, with per-sample seeded random starts; no
 * Spark, no pruning.
 */
package io.adversarialprune.udfs.attack;

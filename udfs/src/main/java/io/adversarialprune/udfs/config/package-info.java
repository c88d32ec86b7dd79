/**
 * What the engine's typed values share with the config that sets them: how config values name the
 * engine's enum constants ({@link io.adversarialprune.udfs.config.ConfigNames}), and where values
 * report their problems by key ({@link io.adversarialprune.udfs.config.ConfigProblems}). No HOCON
 * here: the job reads the config.
 */
package io.adversarialprune.udfs.config;

package io.adversarialprune.job.config;

/**
 * One problem of a sweep config.
 *
 * @param key the full key it is about, e.g. {@code sweep.attacks[1].eps}
 * @param message the line the user reads, naming that key: {@code "sweep.attacks[1].eps must be in
 *     (0, 1], got 3.0"}
 */
public record Problem(String key, String message) {}

/**
 * Per-sample outcomes, mergeable counts and the four correctly named rates with Wilson intervals.
 */
package io.adversarialprune.udfs.metrics;

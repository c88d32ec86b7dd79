package io.adversarialprune.job.ingest;

/**
 * One image to ingest: its label, a path or description for the {@code image.path} column, and a
 * way to produce its encoded bytes (read or encoded lazily, so sources stream).
 */
record Sample(int label, String path, ImageBytes bytes) {
  @FunctionalInterface
  interface ImageBytes {
    byte[] load() throws java.io.IOException;
  }
}

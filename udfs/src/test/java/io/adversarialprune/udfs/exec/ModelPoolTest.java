package io.adversarialprune.udfs.exec;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.adversarialprune.udfs.Fixtures;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.Pgd;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.MemoryFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPoolTest {

  private static final ModelPool.Key KEY = key(Fixtures.tiny());
  private static final Attack PGD = new Pgd("linf", 0.03, 0.005, 3, true, 1, true, false).attack();
  private static final int BATCH_SIZE = 8;

  private static ModelPool.Key key(Path file) {
    return new ModelPool.Key(
        file,
        Device.cpu(),
        Fixtures.NORM,
        Fixtures.SHAPE,
        Classifier.Mode.DIFFERENTIABLE,
        MemoryFormat.AUTO);
  }

  @Test
  void returnedClassifiersAreReused() {
    try (ModelPool pool = new ModelPool()) {
      Classifier first;
      try (ModelPool.Lease lease = pool.borrow(KEY)) {
        first = lease.classifier();
      }
      try (ModelPool.Lease lease = pool.borrow(KEY)) {
        assertThat(lease.classifier()).isSameAs(first);
        try (ModelPool.Lease second = pool.borrow(KEY)) {
          assertThat(second.classifier()).isNotSameAs(first);
        }
      }
      assertThat(pool.loads()).isEqualTo(2);
      ModelPool.Key equal = key(Fixtures.tiny().resolve("..").resolve("tiny.pt"));
      try (ModelPool.Lease lease = pool.borrow(equal)) {
        assertThat(lease.classifier()).isNotNull();
      }
      assertThat(pool.loads()).isEqualTo(2);
    }
  }

  @Test
  void aModelReplacedAtTheSamePathIsLoadedAgain(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("model.pt");
    Files.copy(Fixtures.tiny(), file);
    try (ModelPool pool = new ModelPool()) {
      ModelPool.Key before = key(file);
      try (ModelPool.Lease lease = pool.borrow(before)) {
        assertThat(lease.classifier()).isNotNull();
      }
      // tonight's model, copied over last night's
      Files.copy(Fixtures.tiny(), file, StandardCopyOption.REPLACE_EXISTING);
      Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
      ModelPool.Key after = key(file);
      assertThat(after).isNotEqualTo(before);
      try (ModelPool.Lease lease = pool.borrow(after)) {
        assertThat(lease.classifier()).isNotNull();
      }
      assertThat(pool.loads()).isEqualTo(2);
    }
  }

  @Test
  void fourRowsOnFourThreadsEqualTheSequentialRun() throws Exception {
    int rows = 4;
    List<List<Batch>> shards = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      shards.add(Shards.random(r, 1000L * r, 2, 8));
    }
    List<UnitResult> sequential = new ArrayList<>();
    try (Classifier model = Fixtures.loadTiny()) {
      for (int r = 0; r < rows; r++) {
        sequential.add(
            UnitExecutor.run(model, null, 17L + r, shards.get(r), PGD, BATCH_SIZE, false, null));
      }
    }
    ExecutorService threads = Executors.newFixedThreadPool(rows);
    try (ModelPool pool = new ModelPool()) {
      CountDownLatch allBorrowed = new CountDownLatch(rows);
      List<Future<UnitResult>> futures = new ArrayList<>();
      for (int r = 0; r < rows; r++) {
        int row = r;
        futures.add(
            threads.submit(
                () -> {
                  try (ModelPool.Lease lease = pool.borrow(KEY)) {
                    allBorrowed.countDown();
                    allBorrowed.await(); // all four rows hold a classifier at the same time
                    return UnitExecutor.run(
                        lease.classifier(),
                        null,
                        17L + row,
                        shards.get(row),
                        PGD,
                        BATCH_SIZE,
                        false,
                        null);
                  }
                }));
      }
      for (int r = 0; r < rows; r++) {
        UnitResult concurrent = futures.get(r).get();
        assertThat(concurrent.samples()).isEqualTo(sequential.get(r).samples());
        assertThat(concurrent.counts()).isEqualTo(sequential.get(r).counts());
      }
      assertThat(pool.loads()).isEqualTo(rows);
    } finally {
      threads.shutdownNow();
    }
  }
}

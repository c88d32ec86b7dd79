package io.adversarialprune.job.report;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * Copies a results-table row into one of the report's records, so that the report renders without a
 * session: each component takes the value of the column named like it in snake case ({@code
 * batchSize} from {@code batch_size}, {@code relativeL2} from {@code relative_l2}), or of the one
 * its {@link Column} names. Stateless. ({@link ConfigMetrics} keeps its own {@code from}: each of
 * its intervals comes from three columns.)
 */
final class RowRecords {
  /** The column a record component is read from, where it is not the component's snake case. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  @interface Column {
    String value();
  }

  private RowRecords() {}

  /**
   * Makes a {@code type} of a row by its canonical constructor; the reflection is done once, here.
   * The function throws {@link IllegalArgumentException} when a column holds a value its component
   * cannot take (a null for a primitive, another type).
   */
  static <R extends Record> Function<Row, R> reader(Class<R> type) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    String[] columns = new String[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      columns[i] = column(components[i]);
    }
    Constructor<R> constructor;
    try {
      constructor = type.getDeclaredConstructor(types);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(
          "record " + type.getName() + " has no canonical constructor", e);
    }
    return row -> {
      Object[] values = new Object[columns.length];
      for (int i = 0; i < columns.length; i++) {
        values[i] = row.getAs(columns[i]);
      }
      try {
        return constructor.newInstance(values);
      } catch (InvocationTargetException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Failed to make a " + type.getName() + " of a row", e);
      }
    };
  }

  /** The column {@code component} is read from. */
  private static String column(RecordComponent component) {
    Column named = component.getAnnotation(Column.class);
    if (named != null) {
      return named.value();
    }
    StringBuilder snake = new StringBuilder();
    for (char c : component.getName().toCharArray()) {
      if (Character.isUpperCase(c)) {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }
}

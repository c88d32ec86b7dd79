package io.adversarialprune.job.report;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.report.ConfigMetrics.Rate;
import io.adversarialprune.job.report.RunComparison.Change;
import io.adversarialprune.job.report.RunComparison.Line;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code compare --fail-on}: the changes that fail a night. A threshold {@code remnant_acc:-2pt} is
 * crossed by a significant drop of remnant_acc of at least 2 percentage points in any (config,
 * attack), the worst case included; {@code strict_asr:+3pt} by a significant rise of at least 3.
 *
 * @param thresholds in the order given
 */
public record Gate(List<Threshold> thresholds) {
  /** The syntax, for messages and help. */
  public static final String SYNTAX =
      "METRIC:[+-]Npt[, ...], e.g. 'remnant_acc:-2pt, clean_acc:-1pt'";

  private static final Pattern ONE =
      Pattern.compile("\\s*([a-z_]+)\\s*:\\s*([+-])\\s*(\\d+(?:\\.\\d+)?)\\s*pt\\s*");

  /**
   * A signed change in percentage points: negative gates a drop, positive a rise.
   *
   * @param points nonzero
   */
  public record Threshold(Rate rate, double points) {
    /** Whether {@code c}, a change of this threshold's rate, crosses it. */
    public boolean crossedBy(Change c) {
      return c.rate() == rate
          && c.significant()
          && (points < 0 ? c.deltaPoints() <= points : c.deltaPoints() >= points);
    }

    @Override
    public String toString() {
      String n =
          java.math.BigDecimal.valueOf(Math.abs(points)).stripTrailingZeros().toPlainString();
      return rate.column + ":" + (points < 0 ? "-" : "+") + n + "pt";
    }
  }

  /** One threshold crossed by one (config, attack)'s change. */
  public record Crossing(Threshold threshold, Line line, Change change) {}

  /** No thresholds: nothing fails. */
  public static final Gate NONE = new Gate(List.of());

  /**
   * Parses {@code --fail-on}'s value.
   *
   * @throws UserInputException naming {@code option} and the part it cannot read: an unknown
   *     metric, a missing sign or unit, a zero threshold
   */
  public static Gate parse(String spec, String option) {
    if (spec == null || spec.isBlank()) {
      throw new UserInputException(option + " is empty; expected " + SYNTAX);
    }
    List<Threshold> out = new ArrayList<>();
    for (String part : spec.split(",", -1)) {
      Matcher m = ONE.matcher(part);
      if (!m.matches()) {
        throw new UserInputException(
            option + ": cannot read '" + part.strip() + "'; expected " + SYNTAX);
      }
      Rate rate = Rate.byColumn(m.group(1));
      if (rate == null) {
        throw new UserInputException(
            option
                + ": unknown metric '"
                + m.group(1)
                + "' (metrics: "
                + String.join(", ", Arrays.stream(Rate.values()).map(r -> r.column).toList())
                + ")");
      }
      double points = Double.parseDouble(m.group(3)) * ("-".equals(m.group(2)) ? -1 : 1);
      if (points == 0) {
        throw new UserInputException(
            option + ": '" + part.strip() + "' gates nothing; a threshold is a nonzero change");
      }
      out.add(new Threshold(rate, points));
    }
    return new Gate(List.copyOf(out));
  }

  /**
   * The thresholds {@code c} crosses, per (config, attack) and threshold; none when the runs ran
   * different sweep configs ({@link RunComparison#sweepChanged()}), whose rates are not comparable.
   */
  public List<Crossing> crossings(RunComparison c) {
    List<Crossing> out = new ArrayList<>();
    if (c.sweepChanged()) {
      return out;
    }
    for (Line line : c.lines()) {
      for (Change change : line.changes()) {
        for (Threshold t : thresholds) {
          if (t.crossedBy(change)) {
            out.add(new Crossing(t, line, change));
          }
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return String.join(", ", thresholds.stream().map(Threshold::toString).toList());
  }
}

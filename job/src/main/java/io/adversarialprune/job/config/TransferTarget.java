package io.adversarialprune.job.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import io.adversarialprune.udfs.config.ConfigProblems;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One entry of {@code sweep.transfer}: a model that judges the source's adversarial images. */
public record TransferTarget(String name, String path) implements Serializable {
  /**
   * Reads and validates {@code sweep.transfer} of {@code s}, the {@code sweep} block; every problem
   * goes to {@code problems}, the view of {@code sweep}, naming its entry.
   */
  static List<TransferTarget> listFrom(Config s, ConfigProblems problems) {
    List<TransferTarget> out = new ArrayList<>();
    List<? extends Config> entries;
    try {
      entries = s.getConfigList("transfer");
    } catch (ConfigException.WrongType e) {
      problems.add("transfer", "must be a list of {name, path} objects");
      return null;
    }
    for (int i = 0; i < entries.size(); i++) {
      Config t = entries.get(i);
      String at = "transfer[" + i + "]";
      ConfigProblems entry = problems.at(at);
      for (String key : t.root().keySet()) {
        if (!key.equals("name") && !key.equals("path")) {
          entry.add(key, full -> "unknown key " + full + " (expected name, path)");
        }
      }
      if (!t.hasPath("name")
          || !t.hasPath("path")
          || t.getValue("name").valueType() != ConfigValueType.STRING) {
        problems.add(at, "needs string keys name and path");
        continue;
      }
      String name = ConfigTypes.checkName(t.getString("name"), "name", entry);
      if (name != null) {
        out.add(new TransferTarget(name, t.getString("path")));
      }
    }
    if (out.stream().map(TransferTarget::name).distinct().count() != out.size()) {
      problems.add("transfer", "names must be unique");
    }
    return List.copyOf(out);
  }
}

package nomoat.pipeline.config;

import com.typesafe.config.Config;
import java.util.Collection;
import java.util.Set;
import nomoat.pipeline.NomoatException;

/** Value checks that name the key, its value and where it was set. */
final class Checks {
  private Checks() {}

  static void require(boolean ok, Config c, String path, String rule) {
    if (!ok) {
      String shown = c.getIsNull(path) ? "null" : c.getValue(path).render();
      throw NomoatException.config(path + " = " + shown + " (" + ConfigLoader.where(c.getValue(path).origin()) + "): " + rule);
    }
  }

  static String oneOf(Config c, String path, Collection<String> allowed) {
    String v = c.getString(path);
    require(allowed.contains(v), c, path, "must be one of " + allowed);
    return v;
  }

  static String nonEmpty(Config c, String path) {
    require(!c.getIsNull(path) && !c.getString(path).isBlank(), c, path, "is required");
    return c.getString(path);
  }

  /** A whole number: typesafe's getLong silently truncates 1.7 to 1. */
  static long integral(Config c, String path) {
    double d = c.getDouble(path);
    require(d == Math.rint(d) && Math.abs(d) < 9.0e15, c, path, "must be a whole number");
    return (long) d;
  }

  static String nullableString(Config c, String path) {
    return c.getIsNull(path) ? null : c.getString(path);
  }

  static void onlyKeys(Config c, String what, Set<String> allowed) {
    for (String key : c.root().keySet()) {
      if (!allowed.contains(key)) {
        throw NomoatException.config("unknown key '" + key + "' in " + what + " (" + ConfigLoader.where(c.getValue(key).origin())
            + "); allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }
}

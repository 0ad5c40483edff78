package nomoat.pipeline.data.template;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python str methods that HF chat templates call on strings (jinja2 runs on Python strings; jinjava sees
 * java.lang.String, which lacks startswith, strip(chars), split(sep), ...). Consulted before the default
 * resolver; anything else falls through.
 */
final class PyStringMethods extends ELResolver {

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null) return null;
    Object[] p = params == null ? new Object[0] : params;
    Object result = switch (method.toString()) {
      case "startswith" -> p.length == 1 ? s.startsWith(str(p[0])) : null;
      case "endswith" -> p.length == 1 ? s.endsWith(str(p[0])) : null;
      case "strip" -> p.length == 0 || p[0] == null ? s.strip() : rstrip(lstrip(s, str(p[0])), str(p[0]));
      case "lstrip" -> p.length == 0 || p[0] == null ? s.stripLeading() : lstrip(s, str(p[0]));
      case "rstrip" -> p.length == 0 || p[0] == null ? s.stripTrailing() : rstrip(s, str(p[0]));
      case "split" -> p.length == 0 || p[0] == null ? splitWhitespace(s) : split(s, str(p[0]));
      case "upper" -> p.length == 0 ? s.toUpperCase(Locale.ROOT) : null;
      case "lower" -> p.length == 0 ? s.toLowerCase(Locale.ROOT) : null;
      case "title" -> p.length == 0 ? title(s) : null;
      case "replace" -> p.length == 2 ? s.replace(str(p[0]), str(p[1])) : null;
      case "find" -> p.length == 1 ? (long) s.indexOf(str(p[0])) : null;
      case "count" -> p.length == 1 ? count(s, str(p[0])) : null;
      default -> null;
    };
    if (result != null) context.setPropertyResolved(true);
    return result;
  }

  private static String str(Object o) { return String.valueOf(o); }

  private static String lstrip(String s, String chars) {
    int i = 0;
    while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) i++;
    return s.substring(i);
  }

  private static String rstrip(String s, String chars) {
    int i = s.length();
    while (i > 0 && chars.indexOf(s.charAt(i - 1)) >= 0) i--;
    return s.substring(0, i);
  }

  /** Python's str.split(sep): literal separator, empty pieces kept. */
  private static List<String> split(String s, String sep) {
    List<String> out = new ArrayList<>();
    if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
    int from = 0;
    for (int at; (at = s.indexOf(sep, from)) >= 0; from = at + sep.length()) out.add(s.substring(from, at));
    out.add(s.substring(from));
    return out;
  }

  private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

  private static List<String> splitWhitespace(String s) {
    List<String> out = new ArrayList<>();
    for (String piece : WHITESPACE.split(s.strip())) if (!piece.isEmpty()) out.add(piece);
    return out;
  }

  private static String title(String s) {
    StringBuilder b = new StringBuilder(s.length());
    boolean start = true;
    for (char c : s.toCharArray()) {
      b.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
      start = !Character.isLetter(c);
    }
    return b.toString();
  }

  private static long count(String s, String sub) {
    if (sub.isEmpty()) return s.length() + 1;
    long n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
    return n;
  }

  @Override public Object getValue(ELContext context, Object base, Object property) { return null; }
  @Override public Class<?> getType(ELContext context, Object base, Object property) { return null; }
  @Override public void setValue(ELContext context, Object base, Object property, Object value) {}
  @Override public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }
  @Override public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }
  @Override public Class<?> getCommonPropertyType(ELContext context, Object base) { return null; }
}

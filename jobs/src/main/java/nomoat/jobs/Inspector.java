package nomoat.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.PrepareSettings;
import nomoat.pipeline.config.SourceSettings;
import nomoat.pipeline.data.ExampleBuilder;
import nomoat.pipeline.data.Rendered;
import nomoat.pipeline.prepare.BuildSettings;
import nomoat.pipeline.data.VisibleText;
import nomoat.pipeline.source.InputFile;
import nomoat.pipeline.source.InputFiles;
import nomoat.pipeline.source.ReadResult;
import nomoat.pipeline.source.ReadResults;
import nomoat.pipeline.source.SourceFormat;
import nomoat.pipeline.source.SourceReader;
import nomoat.pipeline.tokenize.Encoded;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;

/** Renders rows or raw texts the way prepare builds them, for people (marked text) or machines (JSON lines). */
final class Inspector {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PrintWriter out;
  private final boolean json;
  private final boolean ansi;

  Inspector(PrintWriter out, boolean json, boolean ansi) {
    this.out = out;
    this.json = json;
    this.ansi = ansi;
  }

  /** The first {@code rows} rows of each source (or of the one named {@code source}). */
  void rows(Configuration hadoop, PrepareSettings p, HfTokenizer tokenizer, int rows, String source) throws Exception {
    p.requireSources();
    boolean any = false;
    for (SourceSettings s : p.sources()) {
      if (source != null && !source.equals(s.name())) continue;
      any = true;
      ExampleBuilder builder = new ExampleBuilder(BuildSettings.forSource(p, s), tokenizer);
      int shown = 0;
      for (InputFile f : InputFiles.expand(hadoop, s.paths())) {
        SourceFormat format = s.fileFormat().resolve(hadoop, f.uri());
        try (ReadResults it = new SourceReader(s.name(), format).read(hadoop, f)) {
          while (shown < rows && it.hasNext()) {
            ReadResult r = it.next();
            shown++;
            if (r instanceof ReadResult.Bad bad) {
              printRejected(out, bad.rejection());
              continue;
            }
            nomoat.pipeline.data.SourceRow row = ((ReadResult.Row) r).row();
            try {
              printRendered(out, row.source() + " " + row.location(), builder.render(row), ansi, tokenizer);
            } catch (NomoatException e) {
              if (e.exitCode() != NomoatException.ExitCode.INPUT_DATA) throw e;
              out.println(visible("== " + row.source() + " " + row.location() + ": REJECTED " + e.getMessage()));
            }
          }
        }
        if (shown >= rows) break;
      }
    }
    if (!any) throw NomoatException.config("no source named '" + source + "' in prepare.sources");
  }

  void texts(HfTokenizer tokenizer, List<String> texts) throws Exception {
    for (String t : texts) printText(out, tokenizer, t);
  }

  private void printRejected(PrintWriter out, nomoat.pipeline.data.Rejection r) throws Exception {
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("location", r.location()).put("rejected", r.reason().code()).put("detail", r.detail());
      out.println(JSON.writeValueAsString(o));
    } else {
      out.println(visible("== " + r.source() + " " + r.location() + ": REJECTED " + r.reason().code() + ": " + r.detail()));
    }
  }

  private void printRendered(PrintWriter out, String header, Rendered r, boolean ansi, HfTokenizer tok) throws Exception {
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("location", header);
      o.put("text", r.text());
      ArrayNode ids = o.putArray("ids");
      for (int id : r.ids()) ids.add(id);
      ArrayNode tokens = o.putArray("tokens");
      for (String t : r.tokens()) tokens.add(t);
      ArrayNode trained = o.putArray("trained");
      for (boolean b : r.trained()) trained.add(b);
      out.println(JSON.writeValueAsString(o));
      return;
    }
    out.println("== " + visible(header) + "  (" + r.ids().length + " tokens, " + r.numTrained() + " trained)");
    out.println(r.marked(ansi));
    out.println("ids: " + Arrays.toString(r.ids()));
    out.println();
  }

  /** One line for people: control, separator and bidi characters as escapes (--json escapes them its own way). */
  private static String visible(String s) { return VisibleText.escape(s, false); }

  private void printText(PrintWriter out, HfTokenizer tok, String text) throws Exception {
    Encoded e = tok.encode(text, true);
    int[] ids = e.ids();
    String withSpecial = tok.decode(ids, false);
    String withoutSpecial = tok.decode(ids, true);
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      o.put("text", text);
      ArrayNode a = o.putArray("ids");
      for (int id : ids) a.add(id);
      ArrayNode t = o.putArray("tokens");
      for (int id : ids) t.add(tok.idToToken(id));
      o.put("decoded", withSpecial);
      o.put("decoded_skip_special", withoutSpecial);
      out.println(JSON.writeValueAsString(o));
      return;
    }
    out.println("== text: " + visible(text));
    out.println("ids (" + ids.length + "): " + Arrays.toString(ids));
    List<String> tokens = new ArrayList<>();
    for (int id : ids) tokens.add(visible(tok.idToToken(id)));
    out.println("tokens: " + tokens);
    out.println("decoded: " + visible(withSpecial));
    out.println("decoded (skip special): " + visible(withoutSpecial));
    out.println();
  }

}

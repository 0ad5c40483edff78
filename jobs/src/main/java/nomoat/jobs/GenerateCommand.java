package nomoat.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import nomoat.pipeline.NomoatException;
import nomoat.pipeline.config.GenerateSettings;
import nomoat.pipeline.config.ModelSettings;
import nomoat.pipeline.config.NomoatConfig;
import nomoat.pipeline.format.PeftAdapterDir;
import nomoat.pipeline.generate.GenerationConfig;
import nomoat.pipeline.generate.Generator;
import nomoat.pipeline.generate.Prompts;
import nomoat.pipeline.lora.LoraAdapter;
import nomoat.pipeline.model.LoraMerge;
import nomoat.pipeline.data.Message;
import nomoat.pipeline.data.Role;
import nomoat.pipeline.model.LlamaModel;
import nomoat.pipeline.model.LlamaWeights;
import nomoat.pipeline.format.LoadedModel;
import nomoat.pipeline.format.ModelLoader;
import nomoat.pipeline.tokenize.HfTokenizer;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Completions from the base model + adapters for one prompt, a JSONL file of prompts, or an interactive chat on
 * stdin (one user turn per line; the conversation is kept). Runs without Spark.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Generate from model.path + adapters: --prompt TEXT, --prompts-file FILE.jsonl, or a chat on stdin (one turn per line).",
        "The prompt is rendered with generate.template (default: prepare.template); tokens are streamed as they are decoded.",
        "Greedy by default; generate.temperature / top-k / top-p / seed for sampling. --json prints one object per completion."})
final class GenerateCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin StageOptions options;

  @ArgGroup(exclusive = true)
  Input input = new Input();

  static final class Input {
    @Option(names = "--prompt", paramLabel = "TEXT", description = "One prompt (the user's message).")
    String prompt;
    @Option(names = "--prompts-file", paramLabel = "FILE", description = "JSONL: one {\"prompt\": ...} object (or JSON string) per line.")
    Path promptsFile;
  }

  @Option(names = "--adapter", paramLabel = "PATH", description = "A PEFT adapter directory to apply (repeatable; after model.adapters).")
  List<String> adapterPaths = new ArrayList<>();

  @Option(names = "--json", description = "One JSON object per completion: prompt, prompt_ids, ids, text, stop.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    NomoatConfig config = options.load();
    GenerateSettings g = config.generate();
    List<String> prompts = input.promptsFile != null ? readPrompts(input.promptsFile) : input.prompt != null ? List.of(input.prompt) : null;
    Configuration hadoop = HadoopConf.from(config.spark());
    LoadedModel loaded = ModelLoader.load(hadoop, config.model().requirePath(), config.model().weightsDtype());
    LlamaWeights weights = loaded.weights();
    List<LoraAdapter> active = new ArrayList<>();
    List<ModelSettings.AdapterRef> refs = new ArrayList<>(config.model().adapters());
    adapterPaths.forEach(p -> refs.add(new ModelSettings.AdapterRef(p, "stack")));
    for (ModelSettings.AdapterRef ref : refs) {
      LoraAdapter a = PeftAdapterDir.read(hadoop, ref.path(), loaded.config());
      if (ref.mode().equals("merge")) weights = LoraMerge.merge(weights, a);
      else active.add(a);
    }
    LlamaModel model = new LlamaModel(weights);
    HfTokenizer tokenizer = HfTokenizer.fromBytes(loaded.tokenizerJson(), loaded.tokenizerConfigJson());
    Prompts render = new Prompts(g.template(), g.systemPrompt(), tokenizer);
    Set<Integer> stop = Prompts.stopIds(loaded.config(), tokenizer);
    GenerationConfig cfg = new GenerationConfig(g.maxNewTokens(), g.temperature(), g.topK(), g.topP(), g.seed(), true);
    PrintWriter out = spec.commandLine().getOut();
    Session session = new Session(model, active, tokenizer, render, stop, cfg, out);
    if (prompts != null) {
      for (String p : prompts) session.reply(new ArrayList<>(List.of(new Message(Role.USER, p))));
    } else {
      boolean terminal = System.console() != null;
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      List<Message> history = new ArrayList<>();
      if (terminal) out.println("nomoat chat: one message per line; an empty line or Ctrl-D ends.");
      while (true) {
        if (terminal) { out.print("> "); out.flush(); }
        String line = in.readLine();
        if (line == null || (terminal && line.isBlank())) break;
        history.add(new Message(Role.USER, line));
        history.add(new Message(Role.ASSISTANT, session.reply(history)));
      }
    }
    return 0;
  }

  /** One model, its adapters and decoding settings; prints each completion (streamed, or as JSON). */
  private final class Session {
    final LlamaModel model;
    final List<LoraAdapter> adapters;
    final HfTokenizer tokenizer;
    final Prompts prompts;
    final Set<Integer> stop;
    final GenerationConfig cfg;
    final PrintWriter out;

    Session(LlamaModel model, List<LoraAdapter> adapters, HfTokenizer tokenizer, Prompts prompts, Set<Integer> stop, GenerationConfig cfg,
            PrintWriter out) {
      this.model = model;
      this.adapters = adapters;
      this.tokenizer = tokenizer;
      this.prompts = prompts;
      this.stop = stop;
      this.cfg = cfg;
      this.out = out;
    }

    /** Generates the reply to the last user message of history and returns its text. */
    String reply(List<Message> history) throws IOException {
      String rendered = prompts.render(history);
      int[] promptIds = prompts.encode(rendered);
      List<Integer> sofar = new ArrayList<>();
      int[] printed = {0};
      int[] ids = Generator.generate(model, adapters, promptIds, cfg, stop, id -> {
        if (json) return;
        sofar.add(id);
        // decode everything so far and print the new tail; hold back a partial UTF-8 character
        String text = tokenizer.decode(sofar.stream().mapToInt(Integer::intValue).toArray(), true);
        if (!text.endsWith("\uFFFD") && text.length() > printed[0]) {
          out.print(text.substring(printed[0]));
          out.flush();
          printed[0] = text.length();
        }
      });
      String text = tokenizer.decode(ids, true);
      boolean stopped = ids.length > 0 && stop.contains(ids[ids.length - 1]);
      if (json) {
        ObjectNode o = JSON.createObjectNode();
        o.put("prompt", history.get(history.size() - 1).content());
        o.put("rendered", rendered);
        o.set("prompt_ids", JSON.valueToTree(promptIds));
        o.set("ids", JSON.valueToTree(ids));
        o.put("text", text);
        o.put("stop", stopped ? "end_of_turn" : "max_new_tokens");
        out.println(JSON.writeValueAsString(o));
      } else {
        if (text.length() > printed[0]) out.print(text.substring(printed[0]));
        out.println();
      }
      out.flush();
      return text;
    }
  }

  /** Each non-blank line: a JSON string, or an object with a string "prompt". One line naming file and line otherwise. */
  static List<String> readPrompts(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw NomoatException.inputData("--prompts-file " + file + " cannot be read: " + e.getMessage(), e);
    }
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      String where = file + ":" + (i + 1);
      JsonNode n;
      try {
        n = JSON.readTree(lines.get(i));
      } catch (IOException e) {
        throw NomoatException.inputData(where + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
      }
      if (n.isTextual()) prompts.add(n.asText());
      else if (n.isObject() && n.path("prompt").isTextual()) prompts.add(n.get("prompt").asText());
      else throw NomoatException.inputData(where + ": expected a JSON string or an object with a string \"prompt\", got " + abbreviate(n.toString()));
    }
    if (prompts.isEmpty()) throw NomoatException.inputData("--prompts-file " + file + " holds no prompts");
    return prompts;
  }

  private static String abbreviate(String s) { return s.length() <= 60 ? s : s.substring(0, 57) + "..."; }

  static String ids(int[] ids) { return Arrays.toString(ids); }
}

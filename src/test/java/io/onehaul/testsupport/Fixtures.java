package io.onehaul.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The calls a real oned 7.5.80 made to drivers (src/test/resources/fixtures/oned-7.5.80). */
public final class Fixtures {
    public static final String ROOT = "/fixtures/oned-7.5.80/";

    public record Call(int seq, String operation, String driver, String action, List<String> argv,
                       String stdinXmlFile, int exit) {
        public String stdinXml() {
            return text(stdinXmlFile);
        }
    }

    private Fixtures() {}

    public static String text(String relative) {
        try (InputStream in = Fixtures.class.getResourceAsStream(ROOT + relative)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + relative);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Call> calls() {
        ObjectMapper om = new ObjectMapper();
        List<Call> out = new ArrayList<>();
        for (String line : text("calls.jsonl").split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = om.readTree(line);
                List<String> argv = new ArrayList<>();
                n.get("argv").forEach(a -> argv.add(a.asText()));
                out.add(new Call(n.get("seq").asInt(), n.get("operation").asText(), n.get("driver").asText(),
                        n.get("action").asText(), argv, n.has("stdin_xml") ? n.get("stdin_xml").asText() : null,
                        n.get("exit").isNull() ? -1 : n.get("exit").asInt()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public static List<Call> vmmCalls(String action) {
        return calls().stream().filter(c -> c.driver().equals("vmm") && c.action().equals(action)).toList();
    }
}

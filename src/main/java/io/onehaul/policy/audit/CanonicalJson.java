package io.onehaul.policy.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The one byte-exact form of a record that its hash is computed over: object keys sorted
 * (recursively), no insignificant whitespace, Jackson's escaping. Writer and verifier both derive it
 * from the parsed tree, so it does not matter how the line on disk is laid out — only its content.
 */
public final class CanonicalJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private CanonicalJson() {}

    public static String of(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(sorted(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON tree", e);
        }
    }

    static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            Collections.sort(names);
            ObjectNode out = MAPPER.createObjectNode();
            for (String n : names) {
                out.set(n, sorted(node.get(n)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = MAPPER.createArrayNode();
            for (JsonNode e : node) {
                out.add(sorted(e));
            }
            return out;
        }
        return node;
    }
}

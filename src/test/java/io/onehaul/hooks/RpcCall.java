package io.onehaul.hooks;

import io.onehaul.opennebula.Xml;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;

/**
 * One XML-RPC request as oned received it, with its parameters typed the way oned checks them:
 * {@code <i4>}/{@code <int>} as Integer, {@code <boolean>} as Boolean, untagged or {@code <string>}
 * values as String. The session (parameter 1) is kept apart.
 */
public record RpcCall(String method, String session, List<Object> params) {
    public static RpcCall parse(String body) {
        Element root = Xml.parseRoot(body, "methodCall", "request");
        List<Object> values = new ArrayList<>();
        for (Element param : Xml.children(Xml.child(root, "params").orElseThrow(), "param")) {
            Element value = Xml.child(param, "value").orElseThrow();
            List<Element> typed = Xml.children(value, null);
            if (typed.isEmpty()) {
                values.add(value.getTextContent());
                continue;
            }
            Element t = typed.get(0);
            values.add(switch (t.getTagName()) {
                case "i4", "int" -> Integer.parseInt(t.getTextContent());
                case "boolean" -> t.getTextContent().equals("1");
                case "string" -> t.getTextContent();
                default -> throw new AssertionError("unexpected XML-RPC type <" + t.getTagName() + ">");
            });
        }
        return new RpcCall(Xml.text(root, "methodName"), (String) values.get(0), List.copyOf(values.subList(1, values.size())));
    }
}

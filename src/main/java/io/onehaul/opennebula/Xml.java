package io.onehaul.opennebula;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Small, safe DOM helpers for the XML documents oned produces. DTDs and external entities are
 * refused: the documents come from oned, but a driver must not trust its stdin blindly.
 */
public final class Xml {
    private Xml() {}

    public static Element parse(String xml, String what) {
        if (xml == null || xml.isBlank()) {
            throw new BadInputException(what + " is empty");
        }
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            return b.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
                    .getDocumentElement();
        } catch (Exception e) {
            throw new BadInputException(what + " is not well-formed XML: " + firstLine(e.getMessage()), e);
        }
    }

    /** Parses and checks the root element's name. */
    public static Element parseRoot(String xml, String rootName, String what) {
        Element root = parse(xml, what);
        if (!root.getTagName().equals(rootName)) {
            throw new BadInputException(what + ": expected <" + rootName + ">, got <" + root.getTagName() + ">");
        }
        return root;
    }

    public static Optional<Element> child(Element parent, String name) {
        if (parent == null) {
            return Optional.empty();
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Follows a path of child names, e.g. {@code path(vm, "TEMPLATE", "OS", "UUID")}. */
    public static Optional<Element> path(Element start, String... names) {
        Optional<Element> cur = Optional.ofNullable(start);
        for (String n : names) {
            cur = cur.flatMap(e -> child(e, n));
        }
        return cur;
    }

    public static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent == null) {
            return out;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (name == null || e.getTagName().equals(name))) {
                out.add(e);
            }
        }
        return out;
    }

    /** Text of a child path, trimmed; empty string when absent. CDATA is read as text. */
    public static String text(Element start, String... names) {
        return path(start, names).map(e -> e.getTextContent().trim()).orElse("");
    }

    /** Text without trimming (TM_COMMAND ends in a newline that we keep out of values elsewhere). */
    public static String rawText(Element start, String... names) {
        return path(start, names).map(Element::getTextContent).orElse("");
    }

    public static int intText(Element start, int dflt, String... names) {
        String t = text(start, names);
        if (t.isEmpty()) {
            return dflt;
        }
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw new BadInputException("<" + String.join("/", names) + "> is not a number: '" + t + "'");
        }
    }

    public static long longText(Element start, long dflt, String... names) {
        String t = text(start, names);
        if (t.isEmpty()) {
            return dflt;
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new BadInputException("<" + String.join("/", names) + "> is not a number: '" + t + "'");
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** All element children of an element as a flat name → text map (single-valued attributes). */
    public static java.util.Map<String, String> flatAttributes(Element parent) {
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (Element e : children(parent, null)) {
            if (children(e, null).isEmpty()) {
                m.putIfAbsent(e.getTagName(), e.getTextContent().trim());
            }
        }
        return m;
    }

    public static NodeList byTag(Element e, String tag) {
        return e.getElementsByTagName(tag);
    }
}

package io.onehaul.hooks;

import io.onehaul.opennebula.TemplateSyntax;

/**
 * One single-valued attribute for {@code one.vm.update} in merge mode: {@code NAME = "value"}, escaped as
 * oned's parser reads it ({@link TemplateSyntax}). Written values read back as the same text, which is what
 * stops the sched-requirements hook from rewriting its own value forever.
 */
final class TemplateText {
    private TemplateText() {}

    static String attribute(String name, String value) {
        return TemplateSyntax.single(name, value);
    }
}

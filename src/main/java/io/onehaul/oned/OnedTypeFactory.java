package io.onehaul.oned;

import org.apache.ws.commons.util.NamespaceContextImpl;
import org.apache.xmlrpc.common.TypeFactoryImpl;
import org.apache.xmlrpc.common.XmlRpcController;
import org.apache.xmlrpc.common.XmlRpcStreamConfig;
import org.apache.xmlrpc.parser.I8Parser;
import org.apache.xmlrpc.parser.TypeParser;
import org.apache.xmlrpc.serializer.XmlRpcWriter;

/**
 * Response types as oned sends them.
 *
 * <ul>
 *   <li>Every API failure ends with an <em>unqualified</em> {@code <i8>} (the replication index). Stock
 *       Apache XML-RPC only knows {@code ex:i8}, so without this the whole failure would be unparseable
 *       and the operator would never see oned's message (the Java OCA registers an I8Parser likewise).</li>
 *   <li>{@code ex:serializable} is refused: with extensions enabled Apache XML-RPC would otherwise
 *       deserialize Java objects sent by whatever answers on the endpoint (CVE-2016-5003). oned never
 *       sends it.</li>
 * </ul>
 */
final class OnedTypeFactory extends TypeFactoryImpl {

    OnedTypeFactory(XmlRpcController controller) {
        super(controller);
    }

    @Override
    public TypeParser getParser(XmlRpcStreamConfig config, NamespaceContextImpl context, String uri, String localName) {
        boolean unqualified = uri == null || uri.isEmpty();
        if (unqualified && "i8".equals(localName)) {
            return new I8Parser();
        }
        if (XmlRpcWriter.EXTENSIONS_URI.equals(uri) && "serializable".equals(localName)) {
            return null; // the parser then reports "Unknown type", which we classify as a malformed response
        }
        return super.getParser(config, context, uri, localName);
    }
}

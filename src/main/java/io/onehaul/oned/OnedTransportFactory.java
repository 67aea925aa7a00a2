package io.onehaul.oned;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.Map;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcClientException;
import org.apache.xmlrpc.client.XmlRpcSun15HttpTransport;
import org.apache.xmlrpc.client.XmlRpcTransport;
import org.apache.xmlrpc.client.XmlRpcTransportFactoryImpl;
import org.apache.xmlrpc.common.TypeFactory;
import org.apache.xmlrpc.common.XmlRpcStreamRequestConfig;
import org.apache.xmlrpc.parser.XmlRpcResponseParser;
import org.xml.sax.InputSource;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;

/**
 * The JDK HttpURLConnection transport (the Sun 1.5 variant is the one that applies the connect and
 * reply timeouts), hardened in three ways that the stock one lacks. One transport per request, as in
 * the stock factory, so a client is safe to share between threads.
 */
final class OnedTransportFactory extends XmlRpcTransportFactoryImpl {

    OnedTransportFactory(XmlRpcClient client) {
        super(client);
    }

    @Override
    public XmlRpcTransport getTransport() {
        return new Transport(getClient());
    }

    static final class Transport extends XmlRpcSun15HttpTransport {
        Transport(XmlRpcClient client) {
            super(client);
        }

        /** No DTDs or external entities in responses (CVE-2016-5002); oned never sends a DOCTYPE. */
        @Override
        protected XMLReader newXMLReader() throws XmlRpcException {
            XMLReader reader = super.newXMLReader();
            try {
                reader.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                reader.setFeature("http://xml.org/sax/features/external-general-entities", false);
                reader.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            } catch (SAXException e) {
                throw new XmlRpcException("cannot harden the XML parser: " + e.getMessage(), e);
            }
            // Without a handler the JDK parser also prints "[Fatal Error] ..." to stderr, which a
            // driver's caller would copy into the VM log next to our own one-line message.
            reader.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                    // not an error: the parse goes on
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            return reader;
        }

        /**
         * The stock reader deserializes a fault's {@code faultCause} (base64 bytes) with a plain
         * ObjectInputStream, whatever answers on the endpoint sent (CVE-2019-17570). oned never sends one,
         * so the cause is dropped unread: a fault is its code and its string.
         */
        @Override
        protected Object readResponse(XmlRpcStreamRequestConfig config, InputStream stream) throws XmlRpcException {
            XMLReader reader = newXMLReader();
            FaultCauseUnread parser = new FaultCauseUnread(config, getClient().getTypeFactory());
            reader.setContentHandler(parser);
            try {
                reader.parse(new InputSource(stream));
            } catch (SAXException e) {
                throw new XmlRpcClientException("Failed to parse server's response: " + e.getMessage(), e);
            } catch (IOException e) {
                throw new XmlRpcClientException("Failed to read server's response: " + e.getMessage(), e);
            }
            if (parser.isSuccess()) {
                return parser.getResult();
            }
            throw new XmlRpcException(parser.getErrorCode(), parser.getErrorMessage());
        }

        /**
         * The body is buffered (content length not optional, no gzip), so its length is known here.
         * Fixed-length streaming also stops HttpURLConnection from silently re-sending a POST after an
         * I/O error, which would run a non-idempotent call (update, migrate) twice.
         */
        @Override
        protected void setContentLength(int length) {
            super.setContentLength(length);
            if (getURLConnection() instanceof HttpURLConnection http) {
                http.setFixedLengthStreamingMode(length);
            }
        }
    }

    /** The stock response parser, with a fault's serialized Java cause removed before it is looked at. */
    static final class FaultCauseUnread extends XmlRpcResponseParser {
        FaultCauseUnread(XmlRpcStreamRequestConfig config, TypeFactory types) {
            super(config, types);
        }

        @Override
        protected void addResult(Object result) throws SAXException {
            if (!isSuccess() && result instanceof Map<?, ?> fault && fault.containsKey("faultCause")) {
                Map<Object, Object> withoutCause = new HashMap<>(fault);
                withoutCause.remove("faultCause");
                result = withoutCause;
            }
            super.addResult(result);
        }
    }
}

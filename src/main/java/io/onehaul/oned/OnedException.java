package io.onehaul.oned;

/**
 * Every failure of an oned call or of the client's configuration. Unchecked: a driver or hook can do
 * nothing but report it, and the message is written for an operator reading a VM log, so it is always
 * one line and names the XML-RPC method. It never contains the session secret.
 */
public class OnedException extends RuntimeException {

    /** What went wrong; decides whether a retry can help and whether the call may have taken effect. */
    public enum Kind {
        /** oned answered {@code [false, "[method] msg", code, objectId, i8]}: it understood and refused. */
        API_FAILURE,
        /** An XML-RPC fault (xmlrpc-c: -501 bad parameters, -503 bad call XML, -506 unknown method). */
        FAULT,
        /** Nothing was delivered: connection refused, host unreachable or unknown, no connection in time. */
        CONNECTION,
        /** The request was sent but no reply came in time; oned may still have carried it out. */
        TIMEOUT,
        /** The reply was not XML-RPC, had an unexpected shape, or held unusable VM/HOST XML. */
        MALFORMED_RESPONSE,
        /** A lookup on our side (e.g. a host by name) found nothing; {@link #code()} is {@link #NO_EXISTS}. */
        NOT_FOUND,
        /** Endpoint or ONE_AUTH discovery failed before any call was made. */
        CONFIGURATION
    }

    // oned's error codes (include/Request.h, ErrorCode); the low byte is not used.
    public static final int AUTHENTICATION = 0x0100;
    public static final int AUTHORIZATION = 0x0200;
    public static final int NO_EXISTS = 0x0400;
    public static final int ACTION = 0x0800;
    public static final int XML_RPC_API = 0x1000;
    public static final int INTERNAL = 0x2000;
    public static final int ALLOCATE = 0x4000;
    public static final int LOCKED = 0x8000;
    public static final int REPLICATION = 0x10000;

    private static final int MAX_DETAIL = 500;

    private final Kind kind;
    private final String method;
    private final int code;
    private final int objectId;
    private final String detail;

    OnedException(Kind kind, String method, int code, int objectId, String message, String detail, Throwable cause) {
        super(oneLine(message, 2 * MAX_DETAIL), cause);
        this.kind = kind;
        this.method = method;
        this.code = code;
        this.objectId = objectId;
        this.detail = oneLine(detail, MAX_DETAIL);
    }

    static OnedException apiFailure(String method, String onedMessage, int code, int objectId) {
        String obj = objectId >= 0 ? ", object " + objectId : "";
        return new OnedException(Kind.API_FAILURE, method, code, objectId,
                method + " failed: " + onedMessage + " (" + codeName(code) + " " + code + obj + ")",
                onedMessage, null);
    }

    static OnedException fault(String method, int faultCode, String faultString) {
        return new OnedException(Kind.FAULT, method, faultCode, -1,
                method + " rejected by oned: XML-RPC fault " + faultCode + ": " + faultString, faultString, null);
    }

    static OnedException of(Kind kind, String method, String message, Throwable cause) {
        return new OnedException(kind, method, 0, -1, message, message, cause);
    }

    static OnedException notFound(String method, String message) {
        return new OnedException(Kind.NOT_FOUND, method, NO_EXISTS, -1, method + ": " + message, message, null);
    }

    public static OnedException configuration(String message) {
        return new OnedException(Kind.CONFIGURATION, null, 0, -1, message, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The XML-RPC method, e.g. {@code one.vm.info}; null for {@link Kind#CONFIGURATION}. */
    public String method() {
        return method;
    }

    /** oned's error code for API failures, the fault code for faults, NO_EXISTS for NOT_FOUND, else 0. */
    public int code() {
        return code;
    }

    /** The object id oned named in an API failure (e.g. 999 in "Error getting virtual machine [999]"), else -1. */
    public int objectId() {
        return objectId;
    }

    /** oned's own text (message or fault string), or our description; one line. */
    public String detail() {
        return detail;
    }

    /** True for oned's NO_EXISTS and for our own NOT_FOUND, so callers can treat both alike. */
    public boolean isNotFound() {
        return (kind == Kind.API_FAILURE || kind == Kind.NOT_FOUND) && code == NO_EXISTS;
    }

    public static String codeName(int code) {
        return switch (code) {
            case AUTHENTICATION -> "AUTHENTICATION";
            case AUTHORIZATION -> "AUTHORIZATION";
            case NO_EXISTS -> "NO_EXISTS";
            case ACTION -> "ACTION";
            case XML_RPC_API -> "XML_RPC_API";
            case INTERNAL -> "INTERNAL";
            case ALLOCATE -> "ALLOCATE";
            case LOCKED -> "LOCKED";
            case REPLICATION -> "REPLICATION";
            default -> "code";
        };
    }

    /** VM logs are line-oriented: control characters become spaces and very long texts are cut. */
    static String oneLine(String s, int max) {
        if (s == null) {
            return "";
        }
        String flat = s.replaceAll("[\\p{Cntrl}\\u2028\\u2029]+", " ").trim();
        return flat.length() <= max ? flat : flat.substring(0, max) + "…";
    }
}

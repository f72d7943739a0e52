package io.mmstream.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A Confluent-compatible schema registry's REST API (Confluent's, or Apicurio's under /apis/ccompat/v7): register a
 * schema under a subject, read a schema by its id. No retries here: the callers decide what an outage means.
 */
public final class SchemaRegistry {

    /** The registry answered that it has no such schema or subject (404), or refused the schema (409, 422). */
    public static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param url e.g. http://registry:8080/apis/ccompat/v7 */
    public SchemaRegistry(String url) {
        this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Sets the subject's compatibility rule: a schema that breaks it is refused by the registry, not only by our own tests. */
    public void setCompatibility(String subject, String compatibility) throws IOException {
        send("PUT", "/config/" + subject, Map.of("compatibility", compatibility));
    }

    /** The id of the schema under the subject, registering it if it is new. */
    public int register(String subject, Schema schema) throws IOException {
        return send("POST", "/subjects/" + subject + "/versions", Map.of("schema", schema.toString())).path("id").asInt();
    }

    /** The schema of an id. */
    public Schema schema(int id) throws IOException {
        return new Schema.Parser().parse(send("GET", "/schemas/ids/" + id, null).path("schema").asText());
    }

    private JsonNode send(String method, String path, Object body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10)).header("Accept", CONTENT_TYPE);
        request = body == null ? request.GET()
                : request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking the schema registry " + url, e);
        }
        if (response.statusCode() == 404 || response.statusCode() == 409 || response.statusCode() == 422) {
            throw new RefusedException(method + " " + url + path + ": " + response.statusCode() + " " + response.body());
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + url + path + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }
}

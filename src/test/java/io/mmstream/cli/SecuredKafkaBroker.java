package io.mmstream.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;

/**
 * A real Kafka broker process secured as production ones are: a single SASL_SSL listener (SCRAM-SHA-512 logins over
 * TLS with a certificate made here by keytool), the standard authorizer, no access without an ACL. Its users and
 * their random passwords are made at storage format time. The controller listener is plaintext on loopback only,
 * as the broker's own connection to itself.
 */
final class SecuredKafkaBroker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final Map<String, String> passwords = new LinkedHashMap<>();
    private final Process process;

    /** @param users the SCRAM users to create besides admin, the super user */
    SecuredKafkaBroker(Path dir, List<String> users) throws Exception {
        this.dir = dir;
        this.port = freePortPair();
        passwords.put("admin", secret());
        users.forEach(user -> passwords.put(user, secret()));
        String storePassword = secret();
        passwords.put("keystore", storePassword);
        Path keystore = dir.resolve("broker.p12");
        run(List.of(tool("keytool"), "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", storePassword));
        run(List.of(tool("keytool"), "-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", storePassword,
                "-file", dir.resolve("ca.pem").toString()));

        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@localhost:" + (port + 1),
                "listeners=SASL_SSL://localhost:" + port + ",CONTROLLER://localhost:" + (port + 1),
                "advertised.listeners=SASL_SSL://localhost:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=SASL_SSL",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + jaas("admin"),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + keystore,
                "ssl.keystore.password=" + storePassword,
                // its own connections trust its own certificate
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + dir.resolve("ca.pem"),
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // the broker's own controller connection on loopback comes as ANONYMOUS
                "super.users=User:admin;User:ANONYMOUS",
                "allow.everyone.if.no.acl.found=false",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=2",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        List<String> format = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path"), "kafka.tools.StorageTool", "format",
                "-t", org.apache.kafka.common.Uuid.randomUuid().toString(), "-c", config.toString()));
        passwords.forEach((user, password) -> {
            if (!user.equals("keystore")) {
                format.addAll(List.of("--add-scram", "SCRAM-SHA-512=[name=" + user + ",password=" + password + "]"));
            }
        });
        run(format);
        process = new ProcessBuilder(java(), "-Xmx512m", "-cp", System.getProperty("java.class.path"), "kafka.Kafka", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile()).start();
        awaitReady();
    }

    String bootstrap() {
        return "localhost:" + port;
    }

    /** Every password and key this broker knows: none may appear in any log. */
    List<String> secrets() {
        return List.copyOf(passwords.values());
    }

    String password(String user) {
        return passwords.get(user);
    }

    Path log() {
        return dir.resolve("broker.log");
    }

    /** Client properties of a user over SASL_SSL, trusting the broker's certificate. */
    Properties client(String user, String password) {
        Properties properties = new Properties();
        properties.setProperty("bootstrap.servers", bootstrap());
        properties.setProperty("security.protocol", "SASL_SSL");
        properties.setProperty("sasl.mechanism", "SCRAM-SHA-512");
        properties.setProperty("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        properties.setProperty("ssl.truststore.type", "PEM");
        properties.setProperty("ssl.truststore.location", dir.resolve("ca.pem").toString());
        return properties;
    }

    Properties client(String user) {
        return client(user, passwords.get(user));
    }

    /** The user's client properties as a --kafka-config file (without bootstrap.servers, which --bootstrap gives). */
    Path clientFile(String user, String password) throws IOException {
        Properties properties = client(user, password);
        properties.remove("bootstrap.servers");
        Path file = Files.createTempFile(dir, user, ".properties");
        try (var out = Files.newBufferedWriter(file)) {
            properties.store(out, null);
        }
        return file;
    }

    private String jaas(String user) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + passwords.get(user) + "\";";
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try (Admin admin = Admin.create(client("admin"))) {
                admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the secured broker did not start: " + Files.readString(log()), notYet);
                }
                Thread.sleep(500);
            }
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        process.waitFor();
    }

    private static String secret() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return "pw-" + HexFormat.of().formatHex(bytes);
    }

    private static String java() {
        return tool("java");
    }

    private static String tool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    private static void run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command.get(0) + " " + command.get(1) + " failed: " + output);
        }
    }

    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int candidate;
            try (ServerSocket socket = new ServerSocket(0)) {
                candidate = socket.getLocalPort();
            }
            try (ServerSocket next = new ServerSocket(candidate + 1)) {
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no two consecutive free ports");
    }
}

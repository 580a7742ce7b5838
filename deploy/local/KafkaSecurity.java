// Applies SCRAM credentials and ACLs to a broker with Kafka's own Admin API, in one JVM start.
//
// Run by deploy/local/kafka_security.py (never by hand): Java's source launcher compiles this file
// in memory, against the broker's jars on the classpath:
//
//   java -cp '.local/kafka/libs/*' deploy/local/KafkaSecurity.java <bootstrap servers> < lines
//
// It reads lines from stdin (the Python module generates them from deploy/partners.toml and the
// services' wiring; a password never appears on a command line, where `ps` would show it):
//
//   login <PLAIN or SCRAM-SHA-512> <name> <password>   (first: who to log in as)
//   user <name> <password>
//   acl <principal> <operation> <resource type> <pattern type> <resource name>
//   unacl <principal> <operation> <resource type> <pattern type> <resource name>   (removes it)
//
// Python's aiokafka cannot do this: it has no AlterUserScramCredentials request. Both calls are
// idempotent (an existing ACL is not added twice, a credential is replaced by an equal one), so
// deploy/local/up may run this again at any time. No listener takes an anonymous client: it logs
// in as the brokers' own principal (PLAIN, on their listener: before the first run no SCRAM
// credential exists) or as the admin (SCRAM), both super users (docs/security.md).

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class KafkaSecurity {
    // Kafka's own minimum for SCRAM-SHA-512 is 4096; 8192 is kafka-configs' default.
    private static final int ITERATIONS = 8192;
    private static final long TIMEOUT_SECONDS = 60;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KafkaSecurity <bootstrap servers> < lines");
            System.exit(2);
        }
        List<UserScramCredentialAlteration> users = new ArrayList<>();
        List<AclBinding> acls = new ArrayList<>();
        List<AclBindingFilter> removals = new ArrayList<>();
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] f = line.trim().split(" ");
            if (f[0].equals("login") && f.length == 4) {
                config.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
                config.put(SaslConfigs.SASL_MECHANISM, f[1]);
                config.put(SaslConfigs.SASL_JAAS_CONFIG, login(f[1], f[2], f[3]));
            } else if (f[0].equals("user") && f.length == 3) {
                ScramCredentialInfo info =
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS);
                users.add(new UserScramCredentialUpsertion(f[1], info, f[2]));
            } else if ((f[0].equals("acl") || f[0].equals("unacl")) && f.length == 6) {
                ResourcePattern resource =
                        new ResourcePattern(
                                ResourceType.valueOf(f[3]), f[5], PatternType.valueOf(f[4]));
                AccessControlEntry entry =
                        new AccessControlEntry(
                                f[1], "*", AclOperation.valueOf(f[2]), AclPermissionType.ALLOW);
                AclBinding binding = new AclBinding(resource, entry);
                if (f[0].equals("acl")) {
                    acls.add(binding);
                } else {
                    removals.add(binding.toFilter());
                }
            } else {
                throw new IllegalArgumentException("cannot read the line: " + f[0] + " ...");
            }
        }
        try (Admin admin = Admin.create(config)) {
            if (!users.isEmpty()) {
                admin.alterUserScramCredentials(users).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            if (!acls.isEmpty()) {
                admin.createAcls(acls).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            if (!removals.isEmpty()) {
                admin.deleteAcls(removals).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
        System.out.println(
                users.size() + " SCRAM credentials and " + acls.size() + " ACLs applied, "
                        + removals.size() + " ACLs removed");
    }

    // Generated passwords are URL-safe base64 (no quote, no backslash): nothing to escape.
    private static String login(String mechanism, String name, String password) {
        String module =
                switch (mechanism) {
                    case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
                    case "SCRAM-SHA-512" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
                    default -> throw new IllegalArgumentException("no login with " + mechanism);
                };
        return module + " required username=\"" + name + "\" password=\"" + password + "\";";
    }
}

package dev.rtbe.agent.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code -javaagent:rtbe-agent.jar=slots.total=3,endpoints=a:1,b:2;rt.order=lifo}.
 * Pairs are separated by {@code ,} or {@code ;}. Because list values contain commas too, a
 * comma-separated piece without {@code =} continues the previous value. Keys may omit "rtbe.".
 */
final class AgentArgs {
    static final String ALLOWED = "key=value pairs separated by , or ; (e.g. slots.total=3,slots.rt-reserved=1)";

    final Map<String, String> values = new LinkedHashMap<>(); // full rtbe.* names
    final List<SettingProblem> problems = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();

    private AgentArgs() {}

    static AgentArgs parse(String args) {
        AgentArgs result = new AgentArgs();
        if (args != null && !args.trim().isEmpty()) {
            result.read(args);
        }
        return result;
    }

    private void read(String args) {
        String lastKey = null; // the pair a continuation extends; null after a bad piece or a ';'
        int start = 0;
        char separator = ';'; // the first piece is never a continuation
        for (int i = 0; i <= args.length(); i++) {
            char c = i < args.length() ? args.charAt(i) : ';';
            if (c != ',' && c != ';') {
                continue;
            }
            String piece = args.substring(start, i).trim();
            if (!piece.isEmpty()) {
                lastKey = accept(piece, separator == ',' ? lastKey : null);
            }
            separator = c;
            start = i + 1;
        }
    }

    /** @return the key a following continuation belongs to */
    private String accept(String piece, String continuing) {
        int eq = piece.indexOf('=');
        if (eq < 0) {
            if (continuing != null) {
                values.put(continuing, values.get(continuing) + "," + piece);
                return continuing;
            }
            problems.add(new SettingProblem(null, piece, Source.AGENT_ARGUMENT.label, "not a key=value pair", ALLOWED));
            return null;
        }
        String key = piece.substring(0, eq).trim();
        if (key.isEmpty()) {
            problems.add(new SettingProblem(null, piece, Source.AGENT_ARGUMENT.label, "empty key", ALLOWED));
            return null;
        }
        String name = key.startsWith("rtbe.") ? key : "rtbe." + key;
        if (values.containsKey(name)) {
            warnings.add(name + " is given twice in the agent argument; the last value wins");
            values.remove(name); // keep insertion order = position of the winning pair
        }
        values.put(name, piece.substring(eq + 1).trim());
        return name;
    }
}

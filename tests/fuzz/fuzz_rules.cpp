// The rules file parser, and template expansion of whatever it accepts.
#include <rules.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    Sockscope::RuleSet rules;
    QString error;
    if (Sockscope::RuleSet::parse(bytes, &rules, &error, QStringLiteral("fuzz"))) {
        const Sockscope::Arguments args { 1, QStringLiteral("two"), QByteArray("\x00\x01", 2) };
        for (const auto &rule : rules.rules)
            for (const auto &action : rule.actions)
                (void)Sockscope::RuleSet::expand(action.args, args, QStringLiteral("e"), nullptr);
    } else if (error.isEmpty()) {
        __builtin_trap(); // a refusal always says why
    }
    return 0;
}

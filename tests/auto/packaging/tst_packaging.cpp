// What the packages carry agrees with the programs: one version (project(Sockscope VERSION))
// for --version, the manual pages, the Debian changelog and the AppStream release; and each
// manual page lists exactly the options of its program's --help, both ways, with the same
// value names, so that the two cannot drift apart.
#include <sockscopeversion.h>

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString projectVersion = QString::fromLatin1(SOCKSCOPE_VERSION_STR);

struct Output
{
    int exitCode = -1;
    QString out;
    QByteArray err;
};

Output run(const QString &program, const QStringList &args)
{
    QProcess p;
    // Never a window: --help and --version are answered without one anyway.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(u"DISPLAY"_s);
    env.remove(u"WAYLAND_DISPLAY"_s);
    env.remove(u"QT_QPA_PLATFORM"_s);
    p.setProcessEnvironment(env);
    p.start(program, args);
    Output o;
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished();
        return o;
    }
    o.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    o.out = QString::fromUtf8(p.readAllStandardOutput());
    o.err = p.readAllStandardError();
    return o;
}

QString readText(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll());
}

// The option headings of --help: lines indented by exactly two spaces that start with a dash,
// up to the gap before the description ("-H, --header <Name: value>" → "-H, --header Name:
// value"). The description's own option lines (sockscope-client's --emit) count as well.
QStringList helpHeadings(const QString &help)
{
    static const QRegularExpression heading(u"^  (-\\S.*?)(?:\\s{2,}|$)"_s);
    QStringList headings;
    for (const QString &line : help.split(u'\n')) {
        const auto m = heading.match(line);
        if (m.hasMatch())
            headings.append(m.captured(1).remove(u'<').remove(u'>').trimmed());
    }
    return headings;
}

// The option headings of a manual page: the line after each .TP that starts with a bold dash
// ("\fB\-H\fR, \fB\-\-header\fR \fIName: value\fR" → "-H, --header Name: value").
QStringList manHeadings(const QString &page)
{
    static const QRegularExpression font(u"\\\\f[BIRP]"_s);
    QStringList headings;
    const QStringList lines = page.split(u'\n');
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        if (lines.at(i).trimmed() != u".TP" || !lines.at(i + 1).startsWith(u"\\fB\\-"))
            continue;
        QString h = lines.at(i + 1);
        h.remove(font).replace(u"\\-"_s, u"-"_s).replace(u"\\e"_s, u"\\"_s);
        headings.append(h.trimmed());
    }
    return headings;
}

QString listed(QStringList items)
{
    items.sort();
    return items.isEmpty() ? u"(none)"_s : items.join(u"; "_s);
}

} // namespace

class tst_Packaging : public QObject
{
    Q_OBJECT
private slots:
    void versionOption_data();
    void versionOption();
    void manPageMatchesHelp_data();
    void manPageMatchesHelp();
    void debianChangelogNamesTheVersion();
    void metainfoNamesTheVersion();
};

void tst_Packaging::versionOption_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("option");
    QTest::newRow("sockscope --version")
            << QStringLiteral(SOCKSCOPE_BIN) << u"sockscope"_s << u"--version"_s;
    QTest::newRow("sockscope -v") << QStringLiteral(SOCKSCOPE_BIN) << u"sockscope"_s << u"-v"_s;
    QTest::newRow("sockscope-client --version")
            << QStringLiteral(SOCKSCOPE_CLIENT_BIN) << u"sockscope-client"_s << u"--version"_s;
    QTest::newRow("sockscope-client -v")
            << QStringLiteral(SOCKSCOPE_CLIENT_BIN) << u"sockscope-client"_s << u"-v"_s;
}

void tst_Packaging::versionOption()
{
    QFETCH(QString, program);
    QFETCH(QString, name);
    QFETCH(QString, option);
    // The generated header carries project(Sockscope VERSION x.y.z).
    QVERIFY2(QRegularExpression(u"^\\d+\\.\\d+\\.\\d+$"_s).match(projectVersion).hasMatch(),
             qPrintable(projectVersion));
    QCOMPARE(SOCKSCOPE_VERSION,
             QT_VERSION_CHECK(SOCKSCOPE_VERSION_MAJOR, SOCKSCOPE_VERSION_MINOR,
                              SOCKSCOPE_VERSION_PATCH));
    const Output o = run(program, {option});
    QCOMPARE(o.exitCode, 0);
    QCOMPARE(o.out, name + u' ' + projectVersion + u'\n');
}

void tst_Packaging::manPageMatchesHelp_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("name");
    QTest::newRow("sockscope") << QStringLiteral(SOCKSCOPE_BIN) << u"sockscope"_s;
    QTest::newRow("sockscope-client")
            << QStringLiteral(SOCKSCOPE_CLIENT_BIN) << u"sockscope-client"_s;
}

void tst_Packaging::manPageMatchesHelp()
{
    QFETCH(QString, program);
    QFETCH(QString, name);
    const Output help = run(program, {u"--help"_s});
    QCOMPARE(help.exitCode, 0);
    const QStringList fromHelp = helpHeadings(help.out);
    // The parser found the options, not a stray line or two.
    QVERIFY2(fromHelp.size() >= 15, qPrintable(help.out));
    QVERIFY(fromHelp.contains(u"-h, --help"_s));
    QVERIFY(fromHelp.contains(u"-v, --version"_s));
    QVERIFY2(fromHelp.contains(u"--path path"_s), qPrintable(listed(fromHelp)));

    const QString page = readText(QStringLiteral(SOCKSCOPE_MAN_DIR) + u'/' + name + u".1"_s);
    QVERIFY2(!page.isEmpty(), "the configured manual page is missing");
    const QStringList fromMan = manHeadings(page);
    QVERIFY2(fromMan.size() >= 15, qPrintable(listed(fromMan)));

    // Each heading once, in both.
    QCOMPARE(QSet<QString>(fromHelp.begin(), fromHelp.end()).size(), fromHelp.size());
    QCOMPARE(QSet<QString>(fromMan.begin(), fromMan.end()).size(), fromMan.size());
    const QSet<QString> h(fromHelp.begin(), fromHelp.end()), m(fromMan.begin(), fromMan.end());
    const QStringList onlyHelp = (h - m).values(), onlyMan = (m - h).values();
    QVERIFY2(
            onlyHelp.isEmpty() && onlyMan.isEmpty(),
            qPrintable(
                    u"in --help, not in docs/man/%1.1.in: %2\nin docs/man/%1.1.in, not in --help: %3"_s
                            .arg(name, listed(onlyHelp), listed(onlyMan))));

    // The page names its program and the one version.
    const QString title = page.section(u"\n.TH "_s, 1).section(u'\n', 0, 0);
    QVERIFY2(title.startsWith(name.toUpper().replace(u"-"_s, u"\\-"_s) + u" 1 "_s),
             qPrintable(title));
    QVERIFY2(title.contains(u"\"Sockscope "_s + projectVersion + u'"'), qPrintable(title));
}

void tst_Packaging::debianChangelogNamesTheVersion()
{
    const QString changelog = readText(
            QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/packaging/changelog.Debian"));
    const QString first = changelog.section(u'\n', 0, 0);
    const QString expected = u"sockscope ("_s + projectVersion + u'-'
            + QStringLiteral(SOCKSCOPE_DEBIAN_REVISION) + u") "_s;
    QVERIFY2(
            first.startsWith(expected),
            qPrintable(
                    u"the changelog's first entry is \"%1\"; a new version needs an entry \"%2...\""_s
                            .arg(first, expected)));
}

void tst_Packaging::metainfoNamesTheVersion()
{
    const QString metainfo = readText(QStringLiteral(
            SOCKSCOPE_SOURCE_DIR "/resources/io.github.sockscope.Sockscope.metainfo.xml"));
    QVERIFY(!metainfo.isEmpty());
    // The newest release comes first.
    const auto release = QRegularExpression(u"<release version=\"([^\"]*)\""_s).match(metainfo);
    QVERIFY(release.hasMatch());
    QCOMPARE(release.captured(1), projectVersion);
    QVERIFY(metainfo.contains(u"<launchable type=\"desktop-id\">sockscope.desktop</launchable>"_s));
    QVERIFY(QFile::exists(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/sockscope.desktop")));
}

QTEST_GUILESS_MAIN(tst_Packaging)
#include "tst_packaging.moc"

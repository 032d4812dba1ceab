// The arguments editor of the client window's emit form and the monitor's emit panel.
#include <argumentseditor.h>

#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

class tst_ArgumentsEditor : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void goodInput_data();
    void goodInput();
    void badInput_data();
    void badInput();
    void typingFixesIt();
    void keepsLastGoodArguments();
    void position();
};

namespace {

QByteArray display(const Arguments &args)
{
    return Json::toCompactJson(Json::toDisplayJson(args));
}

} // namespace

void tst_ArgumentsEditor::goodInput_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("arguments"); // display JSON of what it gives

    QTest::newRow("empty means []") << QString() << QByteArray("[]");
    QTest::newRow("only spaces") << u"  \n "_s << QByteArray("[]");
    QTest::newRow("empty array") << u"[]"_s << QByteArray("[]");
    QTest::newRow("values") << u"[\"hello\", 42, {\"a\": true}, null]"_s
                            << QByteArray(R"(["hello",42,{"a":true},null])");
    QTest::newRow("several lines") << u"[\n  1,\n  \"é\"\n]"_s << QByteArray(R"([1,"é"])");
    QTest::newRow("binary") << u"[{\"_binary\": true, \"base64\": \"aGk=\"}]"_s
                            << QByteArray(R"([{"_binary":true,"base64":"aGk=","size":2}])");
    // The display form is binary at any depth, as the event log shows it.
    QTest::newRow("nested binary")
            << u"[{\"file\": {\"_binary\": true, \"base64\": \"AAE=\"}},\n"
               u" [{\"_binary\": true, \"base64\": \"\"}]]"_s
            << QByteArray(R"([{"file":{"_binary":true,"base64":"AAE=","size":2}},)"
                          R"([{"_binary":true,"base64":"","size":0}]])");
}

void tst_ArgumentsEditor::goodInput()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, arguments);
    ArgumentsEditor editor;
    editor.setText(u"[oops"_s); // start from a mistake, so that the change is seen
    QVERIFY(!editor.isValid());
    QSignalSpy validity(&editor, &ArgumentsEditor::validChanged);
    editor.setText(text);
    QVERIFY(editor.isValid());
    QCOMPARE(validity.size(), 1);
    QCOMPARE(validity.first().first().toBool(), true);
    QVERIFY(editor.errorString().isEmpty());
    QVERIFY(editor.errorLabel()->isHidden());
    QVERIFY(editor.textEdit()->extraSelections().isEmpty());
    QCOMPARE(display(editor.arguments()), arguments);

    Arguments parsed { u"left over"_s };
    QVERIFY(ArgumentsEditor::parse(text, &parsed));
    QCOMPARE(display(parsed), arguments);
}

void tst_ArgumentsEditor::badInput_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error"); // the start of the message
    QTest::addColumn<QString>("contains");

    QTest::newRow("not an array") << u"{\"a\": 1}"_s << u"Line 1, column 1:"_s << u"array"_s;
    QTest::newRow("a bare value") << u"42"_s << u"Line 1, column"_s << QString();
    QTest::newRow("missing value, second line")
            << u"[1, 2,\n  {\"a\": }]"_s << u"Line 2, column"_s << QString();
    QTest::newRow("unterminated") << u"[\"ok\""_s << u"Line 1, column"_s << QString();
    QTest::newRow("third line after wide characters")
            << u"[\"你好\",\n\"é\",\n  oops]"_s << u"Line 3, column"_s << QString();
    QTest::newRow("bad base64 in a nested binary")
            << u"[{\"a\": {\"_binary\": true,\n \"base64\": \"!!\"}}]"_s << u"Line 2, column 13:"_s
            << u"base64"_s;
}

void tst_ArgumentsEditor::badInput()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    QFETCH(QString, contains);
    ArgumentsEditor editor;
    QSignalSpy validity(&editor, &ArgumentsEditor::validChanged);
    editor.setText(text);
    QVERIFY(!editor.isValid());
    QCOMPARE(validity.size(), 1);
    QCOMPARE(validity.first().first().toBool(), false);
    QVERIFY2(editor.errorString().startsWith(error), qPrintable(editor.errorString()));
    QVERIFY2(editor.errorString().contains(contains), qPrintable(editor.errorString()));
    QCOMPARE(editor.errorLabel()->text(), editor.errorString());
    QVERIFY(!editor.errorLabel()->isHidden());
    // The place is marked in the text.
    QCOMPARE(editor.textEdit()->extraSelections().size(), 1);

    Arguments parsed;
    QString message;
    QVERIFY(!ArgumentsEditor::parse(text, &parsed, &message));
    QCOMPARE(message, editor.errorString());
}

void tst_ArgumentsEditor::typingFixesIt()
{
    ArgumentsEditor editor;
    editor.show();
    QSignalSpy validity(&editor, &ArgumentsEditor::validChanged);
    QTest::keyClicks(editor.textEdit(), u"[\"ok\""_s);
    QVERIFY(!editor.isValid());
    QVERIFY(editor.errorString().startsWith(u"Line 1, column"_s));
    QTest::keyClicks(editor.textEdit(), u"]"_s);
    QVERIFY(editor.isValid());
    QVERIFY(editor.errorLabel()->isHidden());
    QCOMPARE(display(editor.arguments()), QByteArray(R"(["ok"])"));
    // Valid, then not (the first key), then valid again: two changes, not one per key.
    QCOMPARE(validity.size(), 2);
}

void tst_ArgumentsEditor::keepsLastGoodArguments()
{
    ArgumentsEditor editor;
    editor.setText(u"[1]"_s);
    editor.setText(u"[1"_s);
    QVERIFY(!editor.isValid());
    QCOMPARE(display(editor.arguments()), QByteArray("[1]"));
    editor.setText(QString());
    QVERIFY(editor.isValid());
    QVERIFY(editor.arguments().isEmpty());
}

void tst_ArgumentsEditor::position()
{
    // A UTF-8 byte offset becomes a character index, line and column.
    const QString text = u"ab\n你好x\nz"_s;
    const auto at = [&](qsizetype offset) {
        const ArgumentsEditor::Position p = ArgumentsEditor::position(text, offset);
        return QList<int> { p.index, p.line, p.column };
    };
    QCOMPARE(at(0), (QList<int> { 0, 1, 1 }));
    QCOMPARE(at(3), (QList<int> { 3, 2, 1 }));
    QCOMPARE(at(9), (QList<int> { 5, 2, 3 })); // after the two three-byte characters: 'x'
    QCOMPARE(at(11), (QList<int> { 7, 3, 1 }));
    QCOMPARE(at(1000), (QList<int> { 8, 3, 2 })); // past the end: the end
}

QTEST_MAIN(tst_ArgumentsEditor)
#include "tst_argumentseditor.moc"

// Sockscope: event arguments typed as a JSON array, checked as they are typed.
#pragma once

#include <arguments.h>

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QPlainTextEdit;
QT_END_NAMESPACE

namespace Sockscope {

/*
    A JSON array of event arguments, checked on every change. Empty text means no arguments
    ([]). Binary arguments are written in the display form {"_binary":true,"base64":"…"}, at
    any depth (as the event log shows them); bad base64 in one is a mistake. A mistake is
    named by line and column under the text ("Line 2, column 7: …") and marked in it; until
    the text parses the editor is not valid and arguments() keeps the last good arguments.

    The client window's emit form and the monitor's emit panel both use it; parse() and
    position() are the same rule for one-line fields and other JSON editors.
*/
class ArgumentsEditor : public QWidget
{
    Q_OBJECT
    Q_PROPERTY(bool valid READ isValid NOTIFY validChanged)
public:
    explicit ArgumentsEditor(QWidget *parent = nullptr);

    QString text() const;
    void setText(const QString &json);

    bool isValid() const { return m_valid; }
    // The mistake with its line and column, empty when valid.
    QString errorString() const { return m_error; }
    Arguments arguments() const { return m_arguments; }

    QPlainTextEdit *textEdit() const { return m_edit; }
    QLabel *errorLabel() const { return m_errorLabel; }

    // Where a byte offset into the UTF-8 of text falls: character index, line and column
    // (both from 1).
    struct Position
    {
        int index = 0;
        int line = 1;
        int column = 1;
    };
    static Position position(const QString &text, qsizetype utf8Offset);
    // The editor's rule: true and the arguments, or false and "Line L, column C: reason"
    // (and where, when asked).
    static bool parse(const QString &text, Arguments *out, QString *errorString = nullptr,
                      Position *errorPosition = nullptr);

Q_SIGNALS:
    void textChanged();
    void validChanged(bool valid);

private:
    void check();

    QPlainTextEdit *m_edit = nullptr;
    QLabel *m_errorLabel = nullptr;
    Arguments m_arguments;
    QString m_error;
    bool m_valid = true;
};

} // namespace Sockscope

#include "argumentseditor.h"
#include "colors.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTextBlock>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Sockscope {

ArgumentsEditor::ArgumentsEditor(QWidget *parent) : QWidget(parent)
{
    m_edit = new QPlainTextEdit(this);
    m_edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_edit->setPlaceholderText(tr("[\"hello\", 42, {\"a\": true}]"));
    m_edit->setTabChangesFocus(true);
    m_errorLabel = new QLabel(this);
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_errorLabel));
    m_errorLabel->hide();
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_errorLabel);
    setFocusProxy(m_edit);
    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        check();
        Q_EMIT textChanged();
    });
}

QString ArgumentsEditor::text() const
{
    return m_edit->toPlainText();
}

void ArgumentsEditor::setText(const QString &json)
{
    m_edit->setPlainText(json);
}

ArgumentsEditor::Position ArgumentsEditor::position(const QString &text, qsizetype utf8Offset)
{
    Position p;
    const QByteArray utf8 = text.toUtf8();
    const QString before =
            QString::fromUtf8(utf8.left(qBound<qsizetype>(0, utf8Offset, utf8.size())));
    p.index = int(before.size());
    p.line = int(before.count(u'\n')) + 1;
    p.column = int(before.size() - (before.lastIndexOf(u'\n') + 1)) + 1;
    return p;
}

bool ArgumentsEditor::parse(const QString &text, Arguments *out, QString *errorString,
                            Position *errorPosition)
{
    if (text.trimmed().isEmpty()) {
        out->clear();
        return true;
    }
    QString reason;
    int offset = -1;
    if (Json::parseArguments(text.toUtf8(), out, &reason, &offset))
        return true;
    const Position p = position(text, offset);
    if (errorString)
        *errorString = tr("Line %1, column %2: %3").arg(p.line).arg(p.column).arg(reason);
    if (errorPosition)
        *errorPosition = p;
    return false;
}

void ArgumentsEditor::check()
{
    const QString text = m_edit->toPlainText();
    Arguments parsed;
    QString error;
    Position at;
    const bool valid = parse(text, &parsed, &error, &at);
    QList<QTextEdit::ExtraSelection> marks;
    if (valid) {
        m_arguments = parsed;
        m_error.clear();
    } else {
        m_error = error;
        QTextEdit::ExtraSelection mark;
        mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        mark.format.setUnderlineColor(Colors::color(Colors::Role::Error, m_edit->palette()));
        mark.format.setBackground(Colors::markBackground());
        mark.cursor = QTextCursor(m_edit->document());
        mark.cursor.setPosition(qMin(at.index, int(text.size())));
        mark.cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
        marks.append(mark);
    }
    m_edit->setExtraSelections(marks);
    m_errorLabel->setText(m_error);
    m_errorLabel->setVisible(!valid);
    if (valid != m_valid) {
        m_valid = valid;
        Q_EMIT validChanged(valid);
    }
}

} // namespace Sockscope

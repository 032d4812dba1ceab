// Sockscope: the arguments of one event as a JSON tree, pretty text, and hex for binary.
#pragma once

#include <arguments.h>

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;
QT_END_NAMESPACE

namespace Sockscope {

class DetailsPane : public QWidget
{
    Q_OBJECT
public:
    explicit DetailsPane(QWidget *parent = nullptr);

    void showArguments(const QString &title, const Arguments &args);
    void clear();

    QTreeWidget *tree() const { return m_tree; }
    QString hexText() const;
    QString jsonText() const;

    // "00000000  68 69 …  |hi|" lines, 16 bytes each; at most maxBytes shown.
    static QString hexDump(const QByteArray &bytes, int maxBytes = 64 * 1024);

private:
    void addValue(QTreeWidgetItem *parent, const QString &key, const QVariant &value);
    void showBinaryOf(QTreeWidgetItem *item);

    QLabel *m_title = nullptr;
    QTabWidget *m_tabs = nullptr;
    QTreeWidget *m_tree = nullptr;
    QPlainTextEdit *m_json = nullptr;
    QPlainTextEdit *m_hex = nullptr;
    QTreeWidgetItem *m_firstBinary = nullptr;
};

} // namespace Sockscope

// Sockscope: list, add, edit, switch, load and save auto-reply rules.
#pragma once

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeView;
QT_END_NAMESPACE

namespace Sockscope {

class RulesModel;

/*
    The rules of a RulesModel in a list (tick to switch one off), the selected rule's JSON in an
    editor (checked before it is taken, the error shown below), the declared namespaces, and
    Load / Save / Save as / Add / Remove. "Apply" asks the window to install the enabled rules
    on the running server.
*/
class RulesPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RulesPanel(RulesModel *model, QWidget *parent = nullptr);

    QTreeView *view() const { return m_view; }
    void selectRule(int row);
    // Takes the editor's JSON for the selected rule (or a new rule when none is selected).
    bool applyEditor();
    void setEditorText(const QString &json);
    QString errorText() const;
    bool loadFile(const QString &path);
    bool saveFile(const QString &path);

Q_SIGNALS:
    void applyRequested();
    // The rules were loaded from, or saved to, this file.
    void fileChanged(const QString &path);

private:
    void showSelected();
    void setError(const QString &message);
    void updateState();

    RulesModel *m_model = nullptr;
    QTreeView *m_view = nullptr;
    QLineEdit *m_namespaces = nullptr;
    QPlainTextEdit *m_editor = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_file = nullptr;
    QPushButton *m_apply = nullptr;
};

} // namespace Sockscope

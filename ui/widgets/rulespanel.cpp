#include "rulespanel.h"
#include "argumentseditor.h"
#include "colors.h"

#include <columns.h>
#include <rulesmodel.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

const char NewRule[] = R"({
  "on": "message",
  "do": [ { "emit": "message-back", "args": "$args" } ]
})";

} // namespace

RulesPanel::RulesPanel(RulesModel *model, QWidget *parent) : QWidget(parent), m_model(model)
{
    m_view = new QTreeView(this);
    m_view->setObjectName(u"rulesView"_s);
    m_view->setModel(model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->header()->resizeSection(int(RulesColumn::Enabled), 40);
    m_view->header()->resizeSection(int(RulesColumn::On), 120);
    m_view->header()->resizeSection(int(RulesColumn::Namespace), 80);

    m_namespaces = new QLineEdit(this);
    m_namespaces->setObjectName(u"rulesNamespaces"_s);
    m_namespaces->setPlaceholderText(tr("/, /chat (other namespaces are refused)"));
    m_editor = new QPlainTextEdit(this);
    m_editor->setObjectName(u"ruleEditor"_s);
    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setPlaceholderText(QString::fromLatin1(NewRule));
    m_error = new QLabel(this);
    m_error->setObjectName(u"rulesError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_error));
    m_error->hide();
    m_file = new QLabel(this);
    m_file->setObjectName(u"rulesFile"_s);

    auto button = [this](const QString &text, const QString &name, const QString &tip) {
        auto *b = new QPushButton(text, this);
        b->setObjectName(name);
        b->setToolTip(tip);
        return b;
    };
    QPushButton *load = button(tr("Load…"), u"rulesLoad"_s, tr("Read a rules file (JSON)"));
    QPushButton *save = button(tr("Save"), u"rulesSave"_s, tr("Write the rules to their file"));
    QPushButton *saveAs = button(tr("Save as…"), u"rulesSaveAs"_s,
                                 tr("Write the rules to another file"));
    QPushButton *add = button(tr("New rule"), u"rulesAdd"_s, tr("Start a new rule in the editor"));
    QPushButton *remove = button(tr("Remove"), u"rulesRemove"_s, tr("Delete the selected rule"));
    QPushButton *update = button(tr("Take edit"), u"rulesUpdate"_s,
                                 tr("Check the JSON and put it in place of the selected rule "
                                    "(or add it when none is selected)"));
    m_apply = button(tr("Apply to server"), u"rulesApply"_s,
                     tr("Install the ticked rules on the running server, in place of the "
                        "previous ones"));

    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Load rules"),
                                                          m_model->filePath(),
                                                          tr("Rules (*.json);;All files (*)"));
        if (!path.isEmpty())
            loadFile(path);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        if (!m_model->filePath().isEmpty())
            saveFile(m_model->filePath());
        else
            Q_EMIT findChild<QPushButton *>(u"rulesSaveAs"_s)->clicked();
    });
    connect(saveAs, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save rules"),
                                                          m_model->filePath(),
                                                          tr("Rules (*.json);;All files (*)"));
        if (!path.isEmpty())
            saveFile(path);
    });
    connect(add, &QPushButton::clicked, this, [this] {
        m_view->clearSelection();
        m_view->setCurrentIndex({});
        m_editor->setPlainText(QString::fromLatin1(NewRule));
        m_editor->setFocus();
        setError({});
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        const QModelIndex i = m_view->currentIndex();
        if (i.isValid())
            m_model->removeRule(i.row());
    });
    connect(update, &QPushButton::clicked, this, &RulesPanel::applyEditor);
    connect(m_apply, &QPushButton::clicked, this, &RulesPanel::applyRequested);
    connect(m_namespaces, &QLineEdit::editingFinished, this, [this] {
        QStringList names;
        const QStringList parts = m_namespaces->text().split(u',', Qt::SkipEmptyParts);
        for (const QString &p : parts) {
            if (!p.trimmed().isEmpty())
                names.append(p.trimmed());
        }
        QString error;
        if (!m_model->setNamespaces(names, &error))
            setError(error);
        else
            setError({});
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RulesPanel::showSelected);
    connect(model, &RulesModel::changed, this, &RulesPanel::updateState);
    connect(model, &QAbstractItemModel::modelReset, this, &RulesPanel::updateState);

    auto *files = new QHBoxLayout;
    files->addWidget(load);
    files->addWidget(save);
    files->addWidget(saveAs);
    files->addStretch(1);
    files->addWidget(m_apply);
    auto *edits = new QHBoxLayout;
    edits->addWidget(add);
    edits->addWidget(remove);
    edits->addWidget(update);
    edits->addStretch(1);
    auto *nsRow = new QHBoxLayout;
    nsRow->addWidget(new QLabel(tr("Namespaces"), this));
    nsRow->addWidget(m_namespaces, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(files);
    layout->addWidget(m_file);
    layout->addLayout(nsRow);
    layout->addWidget(m_view, 2);
    layout->addLayout(edits);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_error);
    updateState();
}

void RulesPanel::selectRule(int row)
{
    m_view->setCurrentIndex(m_model->index(row, int(RulesColumn::On)));
}

void RulesPanel::showSelected()
{
    const QModelIndex i = m_view->currentIndex();
    if (!i.isValid())
        return;
    m_editor->setPlainText(
            QString::fromUtf8(QJsonDocument(m_model->rule(i.row())).toJson(QJsonDocument::Indented)));
    setError({});
}

bool RulesPanel::applyEditor()
{
    const QString text = m_editor->toPlainText();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &pe);
    if (pe.error != QJsonParseError::NoError) {
        // Named the way the emit forms name a mistake in their arguments.
        const ArgumentsEditor::Position at = ArgumentsEditor::position(text, pe.offset);
        setError(tr("Invalid JSON at line %1, column %2: %3")
                         .arg(at.line)
                         .arg(at.column)
                         .arg(pe.errorString()));
        return false;
    }
    if (!doc.isObject()) {
        setError(tr("A rule is a JSON object with \"on\" and \"do\""));
        return false;
    }
    QString error;
    const QModelIndex i = m_view->currentIndex();
    const bool ok = i.isValid() ? m_model->setRule(i.row(), doc.object(), &error)
                                : m_model->addRule(doc.object(), &error);
    setError(ok ? QString() : error);
    if (ok && !i.isValid())
        selectRule(m_model->rowCount() - 1);
    return ok;
}

void RulesPanel::setEditorText(const QString &json)
{
    m_editor->setPlainText(json);
}

QString RulesPanel::errorText() const
{
    return m_error->isHidden() ? QString() : m_error->text();
}

bool RulesPanel::loadFile(const QString &path)
{
    QString error;
    const bool ok = m_model->load(path, &error);
    setError(ok ? QString() : error);
    if (ok)
        Q_EMIT fileChanged(path);
    return ok;
}

bool RulesPanel::saveFile(const QString &path)
{
    QString error;
    const bool ok = m_model->save(path, &error);
    setError(ok ? QString() : error);
    if (ok)
        Q_EMIT fileChanged(path);
    return ok;
}

void RulesPanel::setError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void RulesPanel::updateState()
{
    const QString name = m_model->filePath().isEmpty() ? tr("(not saved)")
                                                       : QFileInfo(m_model->filePath()).fileName();
    m_file->setText(tr("File: %1%2").arg(name, m_model->isModified() ? tr(" — modified") : QString()));
    m_file->setToolTip(m_model->filePath());
    if (!m_namespaces->hasFocus())
        m_namespaces->setText(m_model->namespaces().join(u", "_s));
}

} // namespace Sockscope

#include "eventlogview.h"
#include "colors.h"
#include <text.h>

#include <columns.h>
#include <eventlogfilter.h>
#include <eventlogmodel.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using Sockscope::Text::count;

namespace Sockscope {

EventLogView::EventLogView(EventLogModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    m_filter = new EventLogFilter(this);
    m_filter->setSourceModel(model);

    m_socket = new QLineEdit(this);
    m_socket->setObjectName(u"logSocketFilter"_s);
    m_socket->setPlaceholderText(tr("Socket"));
    m_socket->setClearButtonEnabled(true);
    m_namespace = new QComboBox(this);
    m_namespace->setObjectName(u"logNamespaceFilter"_s);
    m_namespace->addItem(tr("All namespaces"), QString());
    m_namespace->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_event = new QLineEdit(this);
    m_event->setObjectName(u"logEventFilter"_s);
    m_event->setPlaceholderText(tr("Event"));
    m_event->setClearButtonEnabled(true);
    m_direction = new QComboBox(this);
    m_direction->setObjectName(u"logDirectionFilter"_s);
    m_direction->addItem(tr("In and out"), int(EventLogFilter::DirectionFilter::Both));
    m_direction->addItem(tr("In"), int(EventLogFilter::DirectionFilter::In));
    m_direction->addItem(tr("Out"), int(EventLogFilter::DirectionFilter::Out));
    m_text = new QLineEdit(this);
    m_text->setObjectName(u"logTextFilter"_s);
    m_text->setPlaceholderText(tr("Text in arguments"));
    m_text->setClearButtonEnabled(true);
    m_regex = new QCheckBox(tr("Regex"), this);
    m_regex->setToolTip(tr("Read the text filter as a regular expression"));
    m_regex->setObjectName(u"logRegex"_s);

    auto makeButton = [this](const QString &text, const QString &name, const QString &tip,
                             bool checkable) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setObjectName(name);
        b->setToolTip(tip);
        b->setCheckable(checkable);
        b->setAutoRaise(true);
        return b;
    };
    m_pause = makeButton(tr("Pause"), u"pause"_s,
                         tr("Stop adding events to the log (the server keeps running)"), true);
    m_clear = makeButton(tr("Clear"), u"clear"_s, tr("Remove every entry"), false);
    m_follow = makeButton(tr("Follow"), u"follow"_s, tr("Keep the newest entry in view"), true);
    m_follow->setChecked(true);
    m_export = makeButton(tr("Export…"), u"export"_s,
                          tr("Save the entries shown as JSON lines"), false);
    m_count = new QLabel(this);
    m_count->setObjectName(u"logCount"_s);
    m_filterError = new QLabel(this);
    m_filterError->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_filterError));
    m_filterError->hide();

    m_view = new QTreeView(this);
    m_view->setObjectName(u"eventLogView"_s);
    m_view->setModel(m_filter);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAllColumnsShowFocus(true);
    QHeaderView *h = m_view->header();
    h->setStretchLastSection(false);
    h->resizeSection(int(EventLogColumn::Time), 100);
    h->resizeSection(int(EventLogColumn::Direction), 40);
    h->resizeSection(int(EventLogColumn::Namespace), 80);
    h->resizeSection(int(EventLogColumn::Socket), 100);
    h->resizeSection(int(EventLogColumn::Event), 150);
    h->resizeSection(int(EventLogColumn::Arguments), 420);
    h->resizeSection(int(EventLogColumn::Ack), 180);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(300);
    connect(&m_debounce, &QTimer::timeout, this, &EventLogView::applyFiltersNow);
    connect(m_socket, &QLineEdit::textChanged, this, &EventLogView::scheduleFilter);
    connect(m_event, &QLineEdit::textChanged, this, &EventLogView::scheduleFilter);
    connect(m_text, &QLineEdit::textChanged, this, &EventLogView::scheduleFilter);
    connect(m_regex, &QCheckBox::toggled, this, &EventLogView::scheduleFilter);
    connect(m_namespace, &QComboBox::currentIndexChanged, this, &EventLogView::scheduleFilter);
    connect(m_direction, &QComboBox::currentIndexChanged, this, &EventLogView::scheduleFilter);

    connect(m_pause, &QToolButton::toggled, model, &EventLogModel::setPaused);
    connect(model, &EventLogModel::pausedChanged, m_pause, &QToolButton::setChecked);
    connect(m_clear, &QToolButton::clicked, model, &EventLogModel::clear);
    connect(m_export, &QToolButton::clicked, this, &EventLogView::exportInteractive);

    m_followTimer.setInterval(200);
    connect(&m_followTimer, &QTimer::timeout, this, &EventLogView::followTail);
    connect(m_follow, &QToolButton::toggled, this, [this](bool on) {
        m_lastFollowedRows = -1;
        if (on)
            m_followTimer.start();
        else
            m_followTimer.stop();
    });
    m_followTimer.start();
    // Scrolling up by hand stops following, as in a terminal.
    connect(m_view->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this](int action) {
        if (action != QAbstractSlider::SliderNoAction && m_follow->isChecked()
            && m_view->verticalScrollBar()->sliderPosition() < m_view->verticalScrollBar()->maximum())
            m_follow->setChecked(false);
    });

    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &EventLogView::updateCount);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &EventLogView::updateCount);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &EventLogView::updateCount);
    connect(m_filter, &QAbstractItemModel::layoutChanged, this, &EventLogView::updateCount);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                Q_EMIT currentEntryChanged(
                        current.isValid() ? m_filter->mapToSource(current).row() : -1);
            });
    // Double-click an ack cell: jump to the other half of the pair.
    connect(m_view, &QTreeView::doubleClicked, this, [this](const QModelIndex &index) {
        const qint64 paired = index.data(PairedSerialRole).toLongLong();
        if (paired > 0)
            selectSerial(paired);
    });

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_socket, 2);
    filters->addWidget(m_namespace);
    filters->addWidget(m_event, 2);
    filters->addWidget(m_direction);
    filters->addWidget(m_text, 3);
    filters->addWidget(m_regex);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_pause);
    buttons->addWidget(m_clear);
    buttons->addWidget(m_follow);
    buttons->addWidget(m_export);
    buttons->addWidget(m_filterError);
    buttons->addStretch(1);
    buttons->addWidget(m_count);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(filters);
    layout->addLayout(buttons);
    layout->addWidget(m_view, 1);
    updateCount();
}

void EventLogView::scheduleFilter()
{
    m_debounce.start();
}

void EventLogView::applyFiltersNow()
{
    m_debounce.stop();
    const bool ok = m_filter->setFilters(
            m_socket->text().trimmed(), m_namespace->currentData().toString(),
            m_event->text().trimmed(),
            EventLogFilter::DirectionFilter(m_direction->currentData().toInt()), m_text->text(),
            m_regex->isChecked());
    m_filterError->setText(ok ? QString() : tr("Regex: %1").arg(m_filter->textFilterError()));
    m_filterError->setVisible(!ok);
    updateCount();
}

void EventLogView::setSocketFilter(const QString &socketId)
{
    m_socket->setText(socketId);
}

void EventLogView::setNamespaceFilter(const QString &nsp)
{
    int i = m_namespace->findData(nsp);
    if (i < 0) {
        m_namespace->addItem(nsp, nsp);
        i = m_namespace->count() - 1;
    }
    m_namespace->setCurrentIndex(i);
}

void EventLogView::setEventFilter(const QString &event)
{
    m_event->setText(event);
}

void EventLogView::setDirectionFilter(int direction)
{
    m_direction->setCurrentIndex(qMax(0, m_direction->findData(direction)));
}

void EventLogView::setTextFilter(const QString &text, bool regex)
{
    m_regex->setChecked(regex);
    m_text->setText(text);
}

void EventLogView::setNamespaces(const QStringList &namespaces)
{
    for (const QString &n : namespaces) {
        if (m_namespace->findData(n) < 0)
            m_namespace->addItem(n, n);
    }
}

bool EventLogView::isFollowing() const
{
    return m_follow->isChecked();
}

void EventLogView::setFollowing(bool follow)
{
    m_follow->setChecked(follow);
}

void EventLogView::followTail()
{
    const int rows = m_filter->rowCount();
    if (rows == m_lastFollowedRows)
        return;
    m_lastFollowedRows = rows;
    m_view->scrollToBottom();
}

void EventLogView::updateCount()
{
    const int shown = m_filter->rowCount();
    const int all = m_model->rowCount();
    QString text = shown == all ? count(all, tr("event"), tr("events"))
                                : tr("%1 of %2 events").arg(shown).arg(all);
    if (m_model->droppedWhilePaused() > 0)
        text += tr(" · %1 not logged while paused").arg(m_model->droppedWhilePaused());
    if (m_model->sampleEvery() > 1)
        text += tr(" · flood: 1 event in %1 logged").arg(m_model->sampleEvery());
    if (m_model->notLoggedInFlood() > 0)
        text += tr(" · %1 left out in floods").arg(m_model->notLoggedInFlood());
    m_count->setText(text);
}

bool EventLogView::exportTo(const QString &path, QString *errorString) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        if (errorString)
            *errorString = file.errorString();
        return false;
    }
    QList<int> rows;
    rows.reserve(m_filter->rowCount());
    for (int r = 0; r < m_filter->rowCount(); ++r)
        rows.append(m_filter->mapToSource(m_filter->index(r, 0)).row());
    return m_model->exportJsonLines(&file, &rows, errorString);
}

void EventLogView::exportInteractive()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the log"),
                                                      u"sockscope-log.jsonl"_s,
                                                      tr("JSON lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTo(path, &error)) {
        m_filterError->setText(tr("Export failed: %1").arg(error));
        m_filterError->show();
    }
}

bool EventLogView::selectSerial(qint64 serial)
{
    const int row = m_model->rowOfSerial(serial);
    if (row < 0)
        return false;
    const QModelIndex i = m_filter->mapFromSource(m_model->index(row, 0));
    if (!i.isValid())
        return false;
    m_view->selectionModel()->setCurrentIndex(
            i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(i);
    return true;
}

int EventLogView::currentSourceRow() const
{
    const QModelIndex i = m_view->currentIndex();
    return i.isValid() ? m_filter->mapToSource(i).row() : -1;
}

} // namespace Sockscope

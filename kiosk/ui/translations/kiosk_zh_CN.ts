<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Kiosk</name>
    <message>
        <source>Certificate issuing service</source>
        <translation>证明书发行服务</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>大字体</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>高对比度</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>请稍候…</translation>
    </message>
    <message>
        <source>Switch the language to {name}</source>
        <translation>将语言切换为{name}</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Residence, seal registration, family register and tax certificates</source>
        <translation>居民票、印章登记证明书、户籍证明书、税务证明书</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>You need your My Number card and its 4-digit PIN.</source>
        <translation>需要个人编号卡及其4位密码。</translation>
    </message>
    <message>
        <source>Service hours: {start} – {end}</source>
        <translation>服务时间：{start}–{end}</translation>
    </message>
    <message>
        <source>Choose your language</source>
        <translation>请选择语言</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <source>This terminal cannot issue certificates at the moment. Please use another terminal or the municipal office counter.</source>
        <translation>本终端目前无法发行证明书。请使用其他终端或到市区町村政府窗口办理。</translation>
    </message>
    <message>
        <source>Place your My Number card on the reader</source>
        <translation>请将个人编号卡放在读卡区</translation>
    </message>
    <message>
        <source>The card reader is to the right of the screen. Lay the card flat, face up.</source>
        <translation>读卡区在屏幕右侧。请将卡正面朝上平放。</translation>
    </message>
    <message>
        <source>Picture: the card lies on the reader beside the screen</source>
        <translation>图示：卡放在屏幕旁的读卡区</translation>
    </message>
    <message>
        <source>Reading your card</source>
        <translation>正在读取您的卡</translation>
    </message>
    <message>
        <source>Do not move or remove the card.</source>
        <translation>请不要移动或取下卡。</translation>
    </message>
    <message>
        <source>Enter your 4-digit PIN</source>
        <translation>请输入4位密码</translation>
    </message>
    <message>
        <source>The PIN for the user certificate (利用者証明用). Shield the keypad with your hand.</source>
        <translation>用户证明用电子证书（利用者証明用）的密码。请用手遮挡键盘。</translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation>剩余次数：{n}</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, the card will be locked.</source>
        <translation>最后一次：如果密码错误，卡将被锁定。</translation>
    </message>
    <message>
        <source>That PIN was not correct.</source>
        <translation>密码不正确。</translation>
    </message>
    <message>
        <source>PIN: {n} of 4 digits entered</source>
        <translation>密码：已输入4位中的{n}位</translation>
    </message>
    <message>
        <source>Volume {n} of {steps}</source>
        <translation>音量：第{n}级，共{steps}级</translation>
    </message>
    <message>
        <source>The operator of the certificate service has suspended this terminal. Please use another terminal or the municipal office counter.</source>
        <translation>证明书发行服务的运营方已暂停本终端。请使用其他终端或到市区町村政府窗口办理。</translation>
    </message>
    <message>
        <source>The operator of the certificate service has taken this terminal out of service. Please use another terminal or the municipal office counter.</source>
        <translation>证明书发行服务的运营方已停用本终端。请使用其他终端或到市区町村政府窗口办理。</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service. Please use another terminal or the municipal office counter.</source>
        <translation>本终端未在证明书发行服务中登记。请使用其他终端或到市区町村政府窗口办理。</translation>
    </message>
    <message>
        <source>Speech rate {n} of {steps}</source>
        <translation>语速：第{n}级，共{steps}级</translation>
    </message>
    <message>
        <source>Digit {d}</source>
        <translation>数字 {d}</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Checking your card</source>
        <translation>正在确认您的卡</translation>
    </message>
    <message>
        <source>Please remove your card</source>
        <translation>请取下您的卡</translation>
    </message>
    <message>
        <source>Take your card from the reader and keep it with you.</source>
        <translation>请从读卡区取下卡并妥善保管。</translation>
    </message>
    <message>
        <source>Which certificate do you need?</source>
        <translation>您需要哪种证明书？</translation>
    </message>
    <message>
        <source>{fee} per copy</source>
        <translation>每份 {fee}</translation>
    </message>
    <message>
        <source>Not available: {reason}</source>
        <translation>不可用：{reason}</translation>
    </message>
    <message>
        <source>Choose what the certificate shows</source>
        <translation>请选择证明书上记载的内容</translation>
    </message>
    <message>
        <source>How many copies?</source>
        <translation>需要几份？</translation>
    </message>
    <message>
        <source>One copy fewer</source>
        <translation>减少1份</translation>
    </message>
    <message>
        <source>One copy more</source>
        <translation>增加1份</translation>
    </message>
    <message>
        <source>{n} copies</source>
        <translation>{n}份</translation>
    </message>
    <message>
        <source>{fee} × {n} = {total}</source>
        <translation>{fee} × {n}份 = {total}</translation>
    </message>
    <message>
        <source>Please check your request</source>
        <translation>请确认申请内容</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>证明书</translation>
    </message>
    <message>
        <source>Copies</source>
        <translation>份数</translation>
    </message>
    <message>
        <source>Total fee</source>
        <translation>手续费合计</translation>
    </message>
    <message>
        <source>Confirm and request</source>
        <translation>确认并申请</translation>
    </message>
    <message>
        <source>Preparing your certificate</source>
        <translation>正在准备证明书</translation>
    </message>
    <message>
        <source>This takes a few seconds. Nothing is charged yet.</source>
        <translation>需要几秒钟，尚未收费。</translation>
    </message>
    <message>
        <source>Please insert {total}</source>
        <translation>请投入{total}</translation>
    </message>
    <message>
        <source>Inserted: {amount}</source>
        <translation>已投入：{amount}</translation>
    </message>
    <message>
        <source>Still to pay: {amount}</source>
        <translation>还需支付：{amount}</translation>
    </message>
    <message>
        <source>Your change: {amount}</source>
        <translation>找零：{amount}</translation>
    </message>
    <message>
        <source>Accepted: {coins} yen coins and {notes} yen notes.</source>
        <translation>可使用：{coins}日元硬币，{notes}日元纸币。</translation>
    </message>
    <message>
        <source>No change available: please insert the exact amount.</source>
        <translation>无法找零，请投入准确金额。</translation>
    </message>
    <message>
        <source>Cancel and return my money</source>
        <translation>取消并退还现金</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>正在打印</translation>
    </message>
    <message>
        <source>Page {done} of {total}</source>
        <translation>第{done}页，共{total}页</translation>
    </message>
    <message>
        <source>Printing can take a couple of minutes. Please do not leave.</source>
        <translation>打印可能需要几分钟，请不要离开。</translation>
    </message>
    <message>
        <source>Take your certificates</source>
        <translation>请取走证明书</translation>
    </message>
    <message>
        <source>and your change: {amount}</source>
        <translation>以及找零：{amount}</translation>
    </message>
    <message>
        <source>Check that nothing is left behind: certificates, change and your card.</source>
        <translation>请勿遗忘证明书、找零和卡。</translation>
    </message>
    <message>
        <source>I have taken everything</source>
        <translation>已全部取走</translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation>谢谢使用</translation>
    </message>
    <message>
        <source>Your session has ended. No personal data is kept.</source>
        <translation>已结束。本终端不保留任何个人信息。</translation>
    </message>
    <message>
        <source>Ending your session</source>
        <translation>正在结束</translation>
    </message>
    <message>
        <source>Do you need more time?</source>
        <translation>需要更多时间吗？</translation>
    </message>
    <message>
        <source>Without an answer the session ends in {n} seconds.</source>
        <translation>如无操作，将在{n}秒后结束。</translation>
    </message>
    <message>
        <source>Yes, more time</source>
        <translation>是，继续</translation>
    </message>
    <message>
        <source>No, end now</source>
        <translation>不，现在结束</translation>
    </message>
    <message>
        <source>Certificate of residence (住民票の写し)</source>
        <translation>居民票副本（住民票の写し）</translation>
    </message>
    <message>
        <source>Certificate of residence entries (住民票記載事項証明書)</source>
        <translation>居民票记载事项证明书（住民票記載事項証明書）</translation>
    </message>
    <message>
        <source>Seal registration certificate (印鑑登録証明書)</source>
        <translation>印章登记证明书（印鑑登録証明書）</translation>
    </message>
    <message>
        <source>Family register, all entries (戸籍全部事項証明書)</source>
        <translation>户籍全部事项证明书（戸籍全部事項証明書）</translation>
    </message>
    <message>
        <source>Family register, one person (戸籍個人事項証明書)</source>
        <translation>户籍个人事项证明书（戸籍個人事項証明書）</translation>
    </message>
    <message>
        <source>Address record kept with the family register (戸籍の附票の写し)</source>
        <translation>户籍附票副本（戸籍の附票の写し）</translation>
    </message>
    <message>
        <source>Income and tax certificate (所得・課税証明書)</source>
        <translation>所得及课税证明书（所得・課税証明書）</translation>
    </message>
    <message>
        <source>Whose entries</source>
        <translation>申请范围</translation>
    </message>
    <message>
        <source>Registered domicile and head of the family register</source>
        <translation>本籍及户籍首位者</translation>
    </message>
    <message>
        <source>Head of household and relationship</source>
        <translation>户主及与户主关系</translation>
    </message>
    <message>
        <source>Individual number (My Number)</source>
        <translation>个人编号（My Number）</translation>
    </message>
    <message>
        <source>Only me</source>
        <translation>仅本人</translation>
    </message>
    <message>
        <source>My whole household</source>
        <translation>全体户成员</translation>
    </message>
    <message>
        <source>Leave out</source>
        <translation>不记载</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>记载</translation>
    </message>
    <message>
        <source>This certificate cannot be issued here</source>
        <translation>此证明书无法在此发行</translation>
    </message>
    <message>
        <source>There is a problem with the card</source>
        <translation>卡出现问题</translation>
    </message>
    <message>
        <source>The service cannot be reached</source>
        <translation>无法连接服务</translation>
    </message>
    <message>
        <source>The printer has a problem</source>
        <translation>打印机出现问题</translation>
    </message>
    <message>
        <source>The money unit has a problem</source>
        <translation>收款装置出现问题</translation>
    </message>
    <message>
        <source>The certificate could not be checked</source>
        <translation>无法核验证明书</translation>
    </message>
    <message>
        <source>The session ended because there was no answer</source>
        <translation>因长时间无操作，已结束</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>发生错误</translation>
    </message>
    <message>
        <source>The terminal has a problem</source>
        <translation>终端出现问题</translation>
    </message>
    <message>
        <source>Please start again.</source>
        <translation>请重新开始。</translation>
    </message>
    <message>
        <source>Please take your card and start again.</source>
        <translation>请取回卡后重新开始。</translation>
    </message>
    <message>
        <source>Please ask at the counter of your municipal office.</source>
        <translation>请到市区町村政府窗口咨询。</translation>
    </message>
    <message>
        <source>Please ask the store staff for help. Do not leave the terminal.</source>
        <translation>请叫店员帮忙，请不要离开终端。</translation>
    </message>
    <message>
        <source>Please use another terminal.</source>
        <translation>请使用其他终端。</translation>
    </message>
    <message>
        <source>You can close this message.</source>
        <translation>您可以关闭此消息。</translation>
    </message>
    <message>
        <source>{amount} has been returned. Please take it.</source>
        <translation>已退还{amount}，请取走。</translation>
    </message>
    <message>
        <source>The money could not be returned. Take the refund slip ({voucher}) to the store counter.</source>
        <translation>未能退还现金。请持退款单（{voucher}）到店内收银台。</translation>
    </message>
    <message>
        <source>You have not been charged.</source>
        <translation>未收取任何费用。</translation>
    </message>
    <message>
        <source>The certificate on your card cannot be checked</source>
        <translation>无法核验卡内的电子证书</translation>
    </message>
    <message>
        <source>The certificate on your card has expired. Renew it at your municipal office</source>
        <translation>卡内电子证书已过期，请到市区町村政府窗口更新</translation>
    </message>
    <message>
        <source>The certificate on your card is no longer valid</source>
        <translation>卡内电子证书已失效</translation>
    </message>
    <message>
        <source>This municipality does not issue certificates for this card</source>
        <translation>本市区町村不为此卡发行证明书</translation>
    </message>
    <message>
        <source>Your card could not be confirmed</source>
        <translation>无法确认您的卡</translation>
    </message>
    <message>
        <source>The time to confirm your card ran out</source>
        <translation>卡确认超时</translation>
    </message>
    <message>
        <source>This card confirmation was already used</source>
        <translation>此卡确认已被使用</translation>
    </message>
    <message>
        <source>Certificates are issued here only from age 15</source>
        <translation>未满15岁者不能使用本服务</translation>
    </message>
    <message>
        <source>Certificates cannot be issued here while a move-out is registered</source>
        <translation>已办理迁出登记，此处无法发行</translation>
    </message>
    <message>
        <source>Please ask at the municipal office counter for this certificate</source>
        <translation>请到市区町村政府窗口申请此证明书</translation>
    </message>
    <message>
        <source>No certificate can be issued for this card</source>
        <translation>此卡无法发行证明书</translation>
    </message>
    <message>
        <source>No seal is registered for this card holder</source>
        <translation>此持卡人未进行印章登记</translation>
    </message>
    <message>
        <source>No tax record for this year is available here</source>
        <translation>此处无本年度课税记录</translation>
    </message>
    <message>
        <source>Your family register is in another municipality: prior registration is needed</source>
        <translation>本籍在其他市区町村，需事先办理使用登记</translation>
    </message>
    <message>
        <source>The municipality of your family register does not issue certificates at kiosks</source>
        <translation>您的户籍所在市区町村不在本终端发放证明书</translation>
    </message>
    <message>
        <source>This certificate contains characters the terminal cannot print</source>
        <translation>证明书含有本终端无法打印的字符</translation>
    </message>
    <message>
        <source>Outside service hours: certificates are issued from 6:30 to 23:00</source>
        <translation>非服务时间：发行时间为6:30至23:00</translation>
    </message>
    <message>
        <source>Family register certificates are issued on weekdays in office hours</source>
        <translation>户籍证明书仅在工作日办公时间发行</translation>
    </message>
    <message>
        <source>Your PIN is locked. Bring the card to your municipal office counter to reset it</source>
        <translation>密码已被锁定。请携带卡到市区町村政府窗口重新设定</translation>
    </message>
    <message>
        <source>The card was removed too early</source>
        <translation>卡被过早取下</translation>
    </message>
    <message>
        <source>This is not a My Number card</source>
        <translation>这不是个人编号卡</translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation>读卡器无法使用</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>无法读取卡</translation>
    </message>
    <message>
        <source>This card reader is not allowed</source>
        <translation>不允许使用此读卡器</translation>
    </message>
    <message>
        <source>The issuing service cannot be reached</source>
        <translation>无法连接发行服务</translation>
    </message>
    <message>
        <source>The issuing service did not answer in time</source>
        <translation>发行服务未及时响应</translation>
    </message>
    <message>
        <source>This terminal needs maintenance</source>
        <translation>本终端需要维护</translation>
    </message>
    <message>
        <source>The issuing service reported an error</source>
        <translation>发行服务报告错误</translation>
    </message>
    <message>
        <source>This terminal has been suspended by the service operator</source>
        <translation>本终端已被服务运营方暂停使用</translation>
    </message>
    <message>
        <source>This terminal has been taken out of service by the service operator</source>
        <translation>本终端已被服务运营方停用</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service</source>
        <translation>本终端未在证明书发行服务中登记</translation>
    </message>
    <message>
        <source>The printer is out of paper</source>
        <translation>打印机缺纸</translation>
    </message>
    <message>
        <source>Paper is jammed in the printer</source>
        <translation>打印机卡纸</translation>
    </message>
    <message>
        <source>The printer is offline</source>
        <translation>打印机离线</translation>
    </message>
    <message>
        <source>Printing failed</source>
        <translation>打印失败</translation>
    </message>
    <message>
        <source>Printing took too long and was stopped</source>
        <translation>打印时间过长，已停止</translation>
    </message>
    <message>
        <source>The money unit is not working</source>
        <translation>收款装置无法使用</translation>
    </message>
    <message>
        <source>The money unit is busy</source>
        <translation>收款装置正忙</translation>
    </message>
    <message>
        <source>The amount could not be accepted</source>
        <translation>无法接受该金额</translation>
    </message>
    <message>
        <source>Not all of the change could be paid out</source>
        <translation>未能全部找零</translation>
    </message>
    <message>
        <source>A coin or note is jammed in the money unit</source>
        <translation>收款装置卡住了硬币或纸币</translation>
    </message>
    <message>
        <source>This request was already issued</source>
        <translation>此申请已发行</translation>
    </message>
    <message>
        <source>The terminal stopped unexpectedly</source>
        <translation>终端意外停止</translation>
    </message>
    <message>
        <source>The terminal is shutting down</source>
        <translation>终端正在关闭</translation>
    </message>
    <message>
        <source>The certificate data did not match this request</source>
        <translation>证明书数据与本次申请不符</translation>
    </message>
    <message>
        <source>Call staff</source>
        <translation>呼叫工作人员</translation>
    </message>
    <message>
        <source>Staff have been called. Please wait at the terminal.</source>
        <translation>已呼叫工作人员。请在终端前稍候。</translation>
    </message>
    <message>
        <source>Voice guide</source>
        <translation>语音引导</translation>
    </message>
    <message>
        <source>Voice guidance is on. Move with the arrow keys or 2, 4, 6 and 8; choose with 5 or Enter. Plus: help and repeat. Minus: cancel. Star: call staff.</source>
        <translation>语音引导已开启。用方向键或2、4、6、8移动，用5或确认键选择。加号：帮助和重复。减号：取消。星号：呼叫工作人员。</translation>
    </message>
    <message>
        <source>Voice guidance is off.</source>
        <translation>语音引导已关闭。</translation>
    </message>
    <message>
        <source>Digit entered</source>
        <translation>已输入</translation>
    </message>
    <message>
        <source>Digit deleted</source>
        <translation>已删除一位</translation>
    </message>
    <message>
        <source>PIN cleared</source>
        <translation>已清除密码</translation>
    </message>
    <message>
        <source>Four digits entered. Press Enter to confirm.</source>
        <translation>已输入4位。请按确认键。</translation>
    </message>
    <message>
        <source>{amount} yen</source>
        <translation>{amount}日元</translation>
    </message>
    <message>
        <source>{name}, selected</source>
        <translation>{name}，已选择</translation>
    </message>
    <message>
        <source>{n} choices. Use the arrow keys to hear them.</source>
        <translation>共有{n}个选项。用方向键逐个收听。</translation>
    </message>
    <message>
        <source>Please take your card</source>
        <translation>请取走您的卡</translation>
    </message>
    <message>
        <source>Your card is still on the reader.</source>
        <translation>您的卡还在读卡器上。</translation>
    </message>
    <message>
        <source>Coins go into the coin slot and notes into the note slot, below the card reader.</source>
        <translation>硬币请投入硬币口，纸币请投入纸币口，都在读卡器下方。</translation>
    </message>
    <message>
        <source>Picture: the coin slot and the note slot below the card reader</source>
        <translation>图：读卡器下方的硬币口和纸币口</translation>
    </message>
    <message>
        <source>Coins</source>
        <translation>硬币</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>纸币</translation>
    </message>
    <message>
        <source>Charged: {amount}</source>
        <translation>已收费：{amount}</translation>
    </message>
</context>
</TS>

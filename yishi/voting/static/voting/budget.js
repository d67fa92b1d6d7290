// Running total of the chosen costs against the budget, for budget ballots. The ballot works
// without it: the server checks the total again and says so when it is over.
(function () {
  var form = document.querySelector(".ballot-form[data-budget]");
  var out = document.getElementById("budget-total");
  if (!form || !out) return;
  var budget = parseFloat(form.dataset.budget);
  var lang = document.documentElement.lang;
  var fmt = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function update() {
    var total = 0;
    form.querySelectorAll("input[name=choice]:checked").forEach(function (box) {
      total += parseFloat(box.dataset.cost);
    });
    var over = total > budget;
    var zh = lang.indexOf("zh") === 0;
    out.textContent = (zh ? "已选合计 " : "Chosen: ") + fmt.format(total) + (zh ? " 元 / 预算 " : " of ") +
      fmt.format(budget) + (zh ? " 元" : " yuan") + (over ? (zh ? "（超出预算）" : " (over budget)") : "");
    out.classList.toggle("over", over);
  }
  form.addEventListener("change", update);
  update();
})();
